package upgrade

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/diff"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// createTimeout bounds the retries of a create that the server answers with
// NotFound because it has only just begun serving the CRD.
const createTimeout = 10 * time.Second

// createInterval is how often such a create is tried again.
const createInterval = 100 * time.Millisecond

// storedObject is one custom resource a test stored, and how to read it
// again in the version it was written in.
type storedObject struct {
	crd  string
	file string
	gvr  schema.GroupVersionResource
	obj  *unstructured.Unstructured
}

// objectFile picks the custom resource stored for crd by release: the
// release's own when the test data has one, else the shared object of the
// version.
func objectFile(release, crd, version string) string {
	testdata := filepath.Join(framework.RepoRoot(), "test", "testdata")
	own := filepath.Join(testdata, "upgrade", release, crd+".yaml")
	if _, err := os.Stat(own); err == nil {
		return own
	}
	return filepath.Join(testdata, "objects", crd, version+".yaml")
}

// storeObject creates one custom resource of crd in the release's storage
// version, with strict field validation so that an object the release's
// schema does not know cannot pass as stored.
func storeObject(ctx context.Context, t *testing.T, release string, crd *apiextensionsv1.CustomResourceDefinition) *storedObject {
	t.Helper()
	version, err := crds.StorageVersion(crd)
	if err != nil {
		t.Fatal(err)
	}
	file := objectFile(release, crd.Name, version)
	obj := readObject(t, file)
	gvr := schema.GroupVersionResource{Group: crd.Spec.Group, Version: version, Resource: crd.Spec.Names.Plural}
	if got := obj.GroupVersionKind(); got.Group != gvr.Group || got.Version != version || got.Kind != crd.Spec.Names.Kind {
		t.Fatalf("%s: %s, want a %s of %s/%s", file, got, crd.Spec.Names.Kind, gvr.Group, version)
	}

	client := objectClient().Resource(gvr).Namespace(obj.GetNamespace())
	opts := metav1.CreateOptions{FieldValidation: metav1.FieldValidationStrict}
	var createErr error
	err = wait.PollUntilContextTimeout(ctx, createInterval, createTimeout, true, func(ctx context.Context) (bool, error) {
		_, createErr = client.Create(ctx, obj, opts)
		return !apierrors.IsNotFound(createErr), nil
	})
	if err = errors.Join(err, createErr); err != nil {
		t.Fatalf("%s: store it in %s of %s: %v", file, version, release, err)
	}
	return &storedObject{crd: crd.Name, file: file, gvr: gvr, obj: obj}
}

// objectClient reaches the custom resources without logging the server's
// deprecation warnings: storing old versions is the point here.
func objectClient() dynamic.Interface { return framework.QuietClient(cp.Config) }

func readObject(t *testing.T, path string) *unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	obj := &unstructured.Unstructured{}
	if err := yaml.UnmarshalStrict(data, &obj.Object); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return obj
}

// readBack reads every object as the server now holds it.
func readBack(ctx context.Context, t *testing.T, objects []*storedObject) []*storedObject {
	t.Helper()
	out := make([]*storedObject, 0, len(objects))
	for _, o := range objects {
		read := *o
		read.obj = get(ctx, t, o)
		out = append(out, &read)
	}
	return out
}

// get reads o in the version it was written in. The server converts nothing
// for that, so no webhook needs to run.
func get(ctx context.Context, t *testing.T, o *storedObject) *unstructured.Unstructured {
	t.Helper()
	client := objectClient().Resource(o.gvr).Namespace(o.obj.GetNamespace())
	got, err := client.Get(ctx, o.obj.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("read %s %s in %s: %v", o.crd, o.obj.GetName(), o.gvr.Version, err)
	}
	return got
}

// checkObjectsUnchanged reads every object again: it must be what it was,
// resourceVersion included, except for the defaults the bundle's schema of
// its version declares, which the server fills in on every read.
func checkObjectsUnchanged(ctx context.Context, t *testing.T, b *crds.Bundle, recorded []*storedObject) {
	t.Helper()
	for _, o := range recorded {
		want := o.obj
		if bundled := b.Get(o.crd); bundled != nil {
			want = withDefaults(t, o.obj, bundled, o.gvr.Version)
		}
		if !equality.Semantic.DeepEqual(want.Object, o.obj.Object) {
			t.Logf("%s %s: the bundle's schema defaults fields on read:\n%s", o.crd, o.obj.GetName(), diff.Diff(o.obj.Object, want.Object))
		}
		got := get(ctx, t, o)
		if !equality.Semantic.DeepEqual(want.Object, got.Object) {
			t.Errorf("%s %s (%s) changed in %s (-want +got):\n%s",
				o.crd, o.obj.GetName(), filepath.Base(o.file), o.gvr.Version, diff.Diff(want.Object, got.Object))
		}
	}
}

// withDefaults returns obj with the defaults of version's schema in crd
// filled in, as the server does when it reads an object from storage.
func withDefaults(t *testing.T, obj *unstructured.Unstructured, crd *apiextensionsv1.CustomResourceDefinition, version string) *unstructured.Unstructured {
	t.Helper()
	s, err := structural(crd, version)
	if err != nil {
		t.Fatalf("%s %s: %v", crd.Name, version, err)
	}
	out := obj.DeepCopy()
	structuraldefaulting.Default(out.Object, s)
	return out
}

func structural(crd *apiextensionsv1.CustomResourceDefinition, version string) (*structuralschema.Structural, error) {
	for _, v := range crd.Spec.Versions {
		if v.Name != version {
			continue
		}
		if v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
			return nil, errors.New("no schema")
		}
		internal := &apiextensions.JSONSchemaProps{}
		err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, internal, nil)
		if err != nil {
			return nil, err
		}
		return structuralschema.NewStructural(internal)
	}
	return nil, errors.New("the bundle lacks the version")
}
