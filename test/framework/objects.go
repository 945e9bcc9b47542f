package framework

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

// ObjectPath is the path of file among the test objects of crd, in
// test/testdata/objects/<crd>/; the valid object of a version is in
// "<version>.yaml".
func ObjectPath(crd, file string) string {
	return filepath.Join(RepoRoot(), "test", "testdata", "objects", crd, file)
}

// TestObject reads file among the test objects of crd (see ObjectPath) or
// fails the test.
func TestObject(t *testing.T, crd, file string) *unstructured.Unstructured {
	t.Helper()
	return ReadObject(t, ObjectPath(crd, file))
}

// ReadObject decodes the YAML object at path or fails the test. Fields are
// not checked against any schema: that is the API server's part.
func ReadObject(t *testing.T, path string) *unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(data, &obj.Object); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return obj
}

// Resource is the resource of version of the CRD named crd: a CRD's name
// is its plural and its group, joined by a dot.
func Resource(crd, version string) schema.GroupVersionResource {
	plural, group, _ := strings.Cut(crd, ".")
	return schema.GroupVersionResource{Group: group, Version: version, Resource: plural}
}

// QuietClient reaches custom resources as cfg does, without logging the
// server's deprecation warnings: tests read and write old versions on
// purpose.
func QuietClient(cfg *rest.Config) dynamic.Interface {
	quiet := rest.CopyConfig(cfg)
	quiet.WarningHandler = rest.NoWarnings{}
	return dynamic.NewForConfigOrDie(quiet)
}
