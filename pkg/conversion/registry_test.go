package conversion

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func trafficSplit(version string, meta any) map[string]any {
	return map[string]any{
		"apiVersion": "split.smi-spec.io/" + version,
		"kind":       "TrafficSplit",
		"metadata":   meta,
		"spec":       map[string]any{"service": "shop", "backends": []any{}},
	}
}

func TestConvertErrors(t *testing.T) {
	const v4 = "split.smi-spec.io/v1alpha4"
	named := map[string]any{"name": "split", "namespace": "shop"}
	v2 := trafficSplit("v1alpha2", named)
	badAnnotation := trafficSplit("v1alpha2", map[string]any{"name": "split", "annotations": map[string]any{"n": int64(1)}})
	cases := []struct {
		name string
		// crd is trafficSplitCRD when empty.
		crd string
		obj any
		// desired is v4 when empty.
		desired string
		want    error
		// message is part of the error's message.
		message string
	}{
		{"unknown CRD", "widgets.example.com", v2, "example.com/v1", ErrUnknownCRD, "shop/split"},
		{"nil", "", nil, "", ErrNotObject, "(unnamed)"},
		{"nil map", "", map[string]any(nil), "", ErrNotObject, "got map"},
		{"a list", "", []any{map[string]any{}}, "", ErrNotObject, "got []interface"},
		{"a string", "", "TrafficSplit", "", ErrNotObject, "got string"},
		{"no apiVersion", "", map[string]any{"kind": "TrafficSplit"}, "", ErrNotObject, "apiVersion"},
		{"no kind", "", map[string]any{"apiVersion": "split.smi-spec.io/v1alpha2"}, "", ErrNotObject, "kind"},
		{"wrong kind", trafficTargetCRD, v2, "access.smi-spec.io/v1alpha3", ErrWrongKind, "kind TrafficSplit"},
		{"wrong group", "", map[string]any{"apiVersion": "example.com/v1alpha2", "kind": "TrafficSplit"}, "",
			ErrWrongKind, "example.com"},
		{"wrong desired group", "", v2, "example.com/v1alpha4", ErrWrongKind, "example.com"},
		{"desired apiVersion without group", "", v2, "v1alpha4", ErrWrongKind, "v1alpha4"},
		{"unknown version", "", trafficSplit("v1alpha1", named), "", ErrUnknownVersion, "v1alpha1"},
		{"unknown desired version", "", v2, "split.smi-spec.io/v1", ErrUnknownVersion, "split.smi-spec.io/v1"},
		{"metadata not an object", "", trafficSplit("v1alpha2", "split"), "", ErrNotObject, "metadata"},
		{"annotation not a string", "", badAnnotation, "", ErrNotObject, "annotation n"},
	}
	r := testRegistry(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			crd, desired := cmp.Or(c.crd, trafficSplitCRD), cmp.Or(c.desired, v4)
			_, err := r.Convert(crd, runtime.DeepCopyJSONValue(c.obj), desired)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			var convErr *Error
			if !errors.As(err, &convErr) {
				t.Fatalf("got %T, want *Error", err)
			}
			if !strings.Contains(err.Error(), c.message) || !strings.Contains(err.Error(), crd) {
				t.Errorf("message %q does not name %q and the CRD", err, c.message)
			}
		})
	}
}

// TestConvertSameVersion: an object in the desired version, of a
// multi-version or a single-version kind, comes back as it is.
func TestConvertSameVersion(t *testing.T) {
	cases := []struct{ name, crd, version string }{
		{"multi-version kind", trafficTargetCRD, "v1alpha3"},
		{"single-version kind", "egresses.policy.openservicemesh.io", "v1alpha1"},
		{"cluster-scoped single-version kind", "plugins.plugin.flomesh.io", "v1alpha1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			obj := corpusObject(t, c.crd, c.version)
			obj["metadata"].(map[string]any)["annotations"] = map[string]any{StashAnnotation: "left alone"}
			got := mustConvert(t, c.crd, obj, obj["apiVersion"].(string))
			assertJSONEqual(t, "converted", obj, got)
		})
	}
}

func TestEmbeddedRegistryHasTheBundle(t *testing.T) {
	b, err := bundleOnce()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := testRegistry(t).CRDs(), b.Names(); !slices.Equal(got, want) {
		t.Errorf("CRDs: got %v, want %v", got, want)
	}
}

func TestNewRegistryRefusesMismatchedConverters(t *testing.T) {
	cases := []struct {
		name   string
		crd    string
		change func(*apiextensionsv1.CustomResourceDefinition)
		want   string
	}{
		{"a second version without converter", "egresses.policy.openservicemesh.io", func(crd *apiextensionsv1.CustomResourceDefinition) {
			v := crd.Spec.Versions[0].DeepCopy()
			v.Name, v.Storage = "v1alpha2", false
			crd.Spec.Versions = append(crd.Spec.Versions, *v)
		}, "has 2 versions but no converter"},
		{"a new version of a converted kind", trafficSplitCRD, func(crd *apiextensionsv1.CustomResourceDefinition) {
			v := crd.Spec.Versions[0].DeepCopy()
			v.Name, v.Storage = "v1alpha5", false
			crd.Spec.Versions = append(crd.Spec.Versions, *v)
		}, "no converter for version v1alpha5"},
		{"another storage version", trafficSplitCRD, func(crd *apiextensionsv1.CustomResourceDefinition) {
			for i := range crd.Spec.Versions {
				crd.Spec.Versions[i].Storage = crd.Spec.Versions[i].Name == "v1alpha3"
			}
		}, "converter leads to v1alpha4, but the storage version is v1alpha3"},
		{"a version the converter knows is gone", trafficSplitCRD, func(crd *apiextensionsv1.CustomResourceDefinition) {
			crd.Spec.Versions = crd.Spec.Versions[1:]
		}, "converter for version v1alpha2"},
		{"a moved field missing from the schema", trafficTargetCRD, func(crd *apiextensionsv1.CustomResourceDefinition) {
			delete(crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties, "specs")
		}, "moves /specs to /spec/rules"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			crd := testCRD(t, c.crd)
			c.change(crd)
			_, err := NewRegistry([]*apiextensionsv1.CustomResourceDefinition{crd})
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.crd) {
				t.Errorf("got %v, want an error naming %s and saying %q", err, c.crd, c.want)
			}
		})
	}
}

// TestConvertDoesNotTouchIdentity checks what the API server rejects a
// response for: kind, name, namespace and uid stay; labels and other
// annotations pass through.
func TestConvertDoesNotTouchIdentity(t *testing.T) {
	obj := corpusObject(t, trafficSplitCRD, "v1alpha4")
	meta := obj["metadata"].(map[string]any)
	meta["uid"] = "0b6c6d0e-5c1e-4c3e-9d8a-2f1e0c9b8a7d"
	meta["labels"] = map[string]any{"app": "shop"}
	meta["annotations"] = map[string]any{"note": "kept"}
	original := runtime.DeepCopyJSON(obj)

	got := mustConvert(t, trafficSplitCRD, obj, "split.smi-spec.io/v1alpha2")
	gotMeta := got["metadata"].(map[string]any)
	for _, key := range []string{"name", "namespace", "uid", "labels"} {
		assertJSONEqual(t, "metadata."+key, meta[key], gotMeta[key])
	}
	if got["kind"] != "TrafficSplit" {
		t.Errorf("kind: got %v", got["kind"])
	}
	if note := gotMeta["annotations"].(map[string]any)["note"]; note != "kept" {
		t.Errorf("annotation note: got %v, want kept", note)
	}
	assertJSONEqual(t, "back", original, mustConvert(t, trafficSplitCRD, got, "split.smi-spec.io/v1alpha4"))
}

// TestConvertConcurrently converts from several goroutines at once, as the
// webhook does; run with -race.
func TestConvertConcurrently(t *testing.T) {
	r := testRegistry(t)
	obj := corpusObject(t, meshConfigCRD, "v1alpha2")
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := r.Convert(meshConfigCRD, runtime.DeepCopyJSON(obj), "config.openservicemesh.io/v1alpha1")
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
