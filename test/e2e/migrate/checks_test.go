package migrate

import (
	"slices"
	"sort"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/diff"
)

// checkAllStoredIn checks, in etcd, that exactly want objects are stored,
// every one in version.
func checkAllStoredIn(t *testing.T, c *cluster, version string, want int) {
	t.Helper()
	stored := c.stored(t)
	if len(stored) != want {
		t.Errorf("etcd holds %d TrafficSplits, want %d", len(stored), want)
	}
	var others []string
	for key, v := range stored {
		if v != splitGroup+"/"+version {
			others = append(others, key+" in "+v)
		}
	}
	sort.Strings(others)
	if len(others) > 0 {
		t.Errorf("%d TrafficSplits not stored in %s, such as %v", len(others), version, others[:min(5, len(others))])
	}
}

// checkReadsUnchanged compares what every served version reads now with
// what it read before: the same objects, equal in everything but
// metadata.resourceVersion, managedFields and generation included.
func checkReadsUnchanged(t *testing.T, before, after map[string]map[string]*unstructured.Unstructured) {
	t.Helper()
	for _, v := range servedVersions {
		if len(after[v]) != len(before[v]) {
			t.Errorf("%s lists %d objects, %d before", v, len(after[v]), len(before[v]))
		}
		bad := 0
		for key, was := range before[v] {
			now := after[v][key]
			if now == nil {
				t.Errorf("%s %s is gone", v, key)
				continue
			}
			if a, b := withoutResourceVersion(was), withoutResourceVersion(now); !equality.Semantic.DeepEqual(a, b) {
				if bad++; bad <= 3 {
					t.Errorf("%s %s reads differently (-before +after):\n%s", v, key, diff.Diff(a, b))
				}
			}
		}
		if bad > 3 {
			t.Errorf("%s: %d objects read differently in all", v, bad)
		}
	}
}

func withoutResourceVersion(obj *unstructured.Unstructured) map[string]any {
	c := obj.DeepCopy()
	unstructured.RemoveNestedField(c.Object, "metadata", "resourceVersion")
	return c.Object
}

// checkStoredVersions checks the CRD's status.storedVersions.
func checkStoredVersions(t *testing.T, c *cluster, want ...string) {
	t.Helper()
	if got := c.crd(t).Status.StoredVersions; !slices.Equal(got, want) {
		t.Errorf("storedVersions %v, want %v", got, want)
	}
}

// resourceVersions records the resourceVersion of every object read in one
// version.
func resourceVersions(objs map[string]*unstructured.Unstructured) map[string]string {
	out := make(map[string]string, len(objs))
	for key, obj := range objs {
		out[key] = obj.GetResourceVersion()
	}
	return out
}
