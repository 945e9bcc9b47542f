package deploy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// deployDir is the kustomize base under test.
func deployDir() string { return filepath.Join(framework.RepoRoot(), "deploy") }

// render runs `kubectl kustomize dir` and decodes every object it prints.
func render(ctx context.Context, t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	out, err := cp.Kubectl(ctx, "kustomize", dir)
	if err != nil {
		t.Fatal(err)
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(out), 4096)
	var objs []*unstructured.Unstructured
	for {
		obj := &unstructured.Unstructured{}
		err := dec.Decode(&obj.Object)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("decode the output of kubectl kustomize %s: %v", dir, err)
		}
		if len(obj.Object) > 0 {
			objs = append(objs, obj)
		}
	}
	if len(objs) == 0 {
		t.Fatalf("kubectl kustomize %s printed no object", dir)
	}
	return objs
}

// manifests renders deploy/.
func manifests(ctx context.Context, t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	return render(ctx, t, deployDir())
}

// only returns the one object of kind in objs, decoded into T.
func only[T any](t *testing.T, objs []*unstructured.Unstructured, kind string) *T {
	t.Helper()
	var found []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d objects of kind %s, want 1", len(found), kind)
	}
	out := new(T)
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(found[0].Object, out, true); err != nil {
		t.Fatalf("decode %s %s: %v", kind, found[0].GetName(), err)
	}
	return out
}
