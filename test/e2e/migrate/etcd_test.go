package migrate

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// etcdPrefix is where kube-apiserver keeps objects, by default.
const etcdPrefix = "/registry/"

// storedVersions reads, through etcd's JSON gateway (/v3/kv/range), every
// object of resource.group as the API server stored it, and returns the
// apiVersion of each by namespace/name. Custom resources are stored as
// JSON.
func storedAPIVersions(ctx context.Context, t *testing.T, group, resource string) map[string]string {
	t.Helper()
	prefix := etcdPrefix + group + "/" + resource + "/"
	kvs := etcdRange(ctx, t, prefix)
	out := make(map[string]string, len(kvs))
	for key, value := range kvs {
		var obj struct {
			APIVersion string `json:"apiVersion"`
		}
		if err := json.Unmarshal(value, &obj); err != nil {
			t.Fatalf("etcd key %s: not JSON: %v", key, err)
		}
		out[strings.TrimPrefix(key, prefix)] = obj.APIVersion
	}
	return out
}

// etcdRange returns every key under prefix with its value.
func etcdRange(ctx context.Context, t *testing.T, prefix string) map[string][]byte {
	t.Helper()
	body, err := json.Marshal(map[string]string{
		"key":       base64.StdEncoding.EncodeToString([]byte(prefix)),
		"range_end": base64.StdEncoding.EncodeToString(prefixEnd(prefix)),
	})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(cp.EtcdURL(), "/")+"/v3/kv/range",
		bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("read etcd: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		KVs []struct {
			Key   []byte `json:"key"`
			Value []byte `json:"value"`
		} `json:"kvs"`
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("read etcd: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("read etcd: %v", err)
	}
	kvs := make(map[string][]byte, len(out.KVs))
	for _, kv := range out.KVs {
		kvs[string(kv.Key)] = kv.Value
	}
	return kvs
}

// prefixEnd is the first key after every key starting with prefix.
func prefixEnd(prefix string) []byte {
	end := []byte(prefix)
	end[len(end)-1]++
	return end
}

// countVersions counts the stored objects per apiVersion.
func countVersions(stored map[string]string) map[string]int {
	out := map[string]int{}
	for _, v := range stored {
		out[v]++
	}
	return out
}

func describeCounts(m map[string]int) string { return fmt.Sprint(m) }
