package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// lineWidth is where a printed object is cut, to keep one line per read.
const lineWidth = 150

// object is one custom resource of the story: the test data file it comes
// from, and what it read as right after it was written.
type object struct {
	crd, version string
	// source is the file's path below test/testdata; default
	// objects/<crd>/<version>.yaml.
	source string
	name   string
	file   map[string]any
	// want is the object as read in its own version right after it was
	// written, without the fields the server changes on every write.
	want map[string]any
}

func (o *object) path(root string) string {
	if o.source != "" {
		return filepath.Join(root, "test", "testdata", o.source)
	}
	return filepath.Join(root, "test", "testdata", "objects", o.crd, o.version+".yaml")
}

func (o *object) resource(version string) schema.GroupVersionResource {
	plural, group, _ := strings.Cut(o.crd, ".")
	return schema.GroupVersionResource{Group: group, Version: version, Resource: plural}
}

func (o *object) apiVersion(version string) string {
	return o.resource(version).GroupVersion().String()
}

// create writes the object with kubectl, as a user would.
func (d *demo) create(ctx context.Context, o *object) error {
	path := o.path(d.root)
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(raw, &o.file); err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	o.name, _, _ = unstructured.NestedString(o.file, "metadata", "name")
	_, err = d.kubectl(ctx, "create", "-f", path)
	return err
}

// get reads the object in version.
func (d *demo) get(ctx context.Context, o *object, version string) (*unstructured.Unstructured, error) {
	u, err := d.dynamic.Resource(o.resource(version)).Namespace(namespace).Get(ctx, o.name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("read %s %s/%s as %s: %w", o.crd, namespace, o.name, version, err)
	}
	return u, nil
}

func (d *demo) snapshot(ctx context.Context, o *object) error {
	u, err := d.get(ctx, o, o.version)
	if err != nil {
		return err
	}
	o.want = comparable(u.Object)
	return nil
}

// checkEveryVersion reads o in every served version of its CRD through the
// API server (and so the webhook), prints each, and converts each back
// in-process to the version it was written in, with that version's defaults
// applied as the API server would: it must be the object as read in that
// version now, to the last field. And that must still hold every field the
// object had when it was written; new defaults of the bundle may add some.
func (d *demo) checkEveryVersion(ctx context.Context, o *object) error {
	crd, err := d.crds.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, o.crd, metav1.GetOptions{})
	if err != nil {
		return err
	}
	now, err := d.get(ctx, o, o.version)
	if err != nil {
		return err
	}
	want := comparable(now.Object)
	if lost := missing(o.want, want); len(lost) > 0 {
		return fmt.Errorf("%s/%s lost what was written:\n  %s", namespace, o.name, strings.Join(lost, "\n  "))
	}
	fmt.Printf("  %s %s/%s, written as %s (fields added since by the bundle's defaults: %d):\n",
		crd.Spec.Names.Kind, namespace, o.name, o.version, len(missing(want, o.want)))
	for _, v := range servedVersions(crd) {
		if err := d.checkVersion(ctx, crd, o, v, want); err != nil {
			return err
		}
	}
	fmt.Printf("    %s✓ every version converts back to the object as written%s\n", bold, reset)
	return nil
}

func (d *demo) checkVersion(ctx context.Context, crd *apiextensionsv1.CustomResourceDefinition, o *object,
	v string, want map[string]any) error {
	u, err := d.get(ctx, o, v)
	if err != nil {
		return err
	}
	if got := u.GetAPIVersion(); got != o.apiVersion(v) {
		return fmt.Errorf("%s/%s read as %s has apiVersion %s", namespace, o.name, v, got)
	}
	fmt.Printf("    as %-9s %s\n", v, summary(u.Object))
	back, err := d.registry.Convert(o.crd, u.Object, o.apiVersion(o.version))
	if err != nil {
		return fmt.Errorf("convert %s/%s from %s back to %s: %w", namespace, o.name, v, o.version, err)
	}
	if err := withDefaults(crd, o.version, back); err != nil {
		return err
	}
	if got := comparable(back); !reflect.DeepEqual(got, want) {
		return fmt.Errorf("%s/%s read as %s does not convert back to what was written:\n  %s",
			namespace, o.name, v, strings.Join(differences(got, want), "\n  "))
	}
	return nil
}

// checkMovedUnderSpec checks that a v1alpha1 TrafficTarget, whose fields
// stand at the top level, reads in version with them under spec: the
// destination (its port has no place there), sources, and specs as rules.
func (d *demo) checkMovedUnderSpec(ctx context.Context, o *object, version string) error {
	u, err := d.get(ctx, o, version)
	if err != nil {
		return err
	}
	spec, _, _ := unstructured.NestedMap(u.Object, "spec")
	fmt.Printf("  as %s: spec %s\n", version, truncate(compact(spec)))
	for _, c := range []struct{ from, to string }{
		{"destination.name", "destination.name"},
		{"destination.namespace", "destination.namespace"},
		{"sources", "sources"},
		{"specs", "rules"},
	} {
		want, _, _ := unstructured.NestedFieldNoCopy(o.file, strings.Split(c.from, ".")...)
		got, _, _ := unstructured.NestedFieldNoCopy(spec, strings.Split(c.to, ".")...)
		if want == nil || !sameJSON(got, want) {
			return fmt.Errorf("%s as %s: spec.%s = %s, want %s from the v1alpha1 %s",
				o.name, version, c.to, compact(got), compact(want), c.from)
		}
	}
	fmt.Printf("  %s✓ destination, sources and rules moved under spec%s\n", bold, reset)
	return nil
}

// checkOneManager checks that apply left one field manager on the bundle's
// CRDs and no last-applied annotation of kubectl.
func (d *demo) checkOneManager(ctx context.Context) error {
	list, err := d.crds.ApiextensionsV1().CustomResourceDefinitions().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	n := 0
	for _, crd := range list.Items {
		if d.bundle.Get(crd.Name) == nil {
			continue // not ours: multiclusterservices of v1.1.3 stays as it was
		}
		n++
		if _, ok := crd.Annotations["kubectl.kubernetes.io/last-applied-configuration"]; ok {
			return fmt.Errorf("%s still carries kubectl's last-applied-configuration", crd.Name)
		}
		for _, e := range crd.ManagedFields {
			if e.Subresource == "" && e.Manager != crds.FieldManager {
				return fmt.Errorf("%s: %s still owns fields", crd.Name, e.Manager)
			}
		}
	}
	fmt.Printf("  %s✓ %d CRDs, each owned by %s alone, no last-applied annotation%s\n",
		bold, n, crds.FieldManager, reset)
	return nil
}

// checkStoredVersionsTrimmed checks that every bundled CRD lists its storage
// version alone in status.storedVersions.
func (d *demo) checkStoredVersionsTrimmed(ctx context.Context) error {
	list, err := d.crds.ApiextensionsV1().CustomResourceDefinitions().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, crd := range list.Items {
		if d.bundle.Get(crd.Name) == nil {
			continue
		}
		storage := storageVersion(&crd)
		if !slices.Equal(crd.Status.StoredVersions, []string{storage}) {
			return fmt.Errorf("%s: storedVersions %v, want [%s]", crd.Name, crd.Status.StoredVersions, storage)
		}
	}
	fmt.Printf("  %s✓ every CRD's storedVersions is its storage version alone%s\n", bold, reset)
	return nil
}

// showCRDs prints the CRDs as a table, the way an operator looks at them.
func (d *demo) showCRDs(ctx context.Context) error {
	_, err := d.kubectl(ctx, "get", "crds", "-o", "custom-columns="+strings.Join([]string{
		"CRD:.metadata.name",
		"BUNDLE:.metadata.annotations.openservicemesh\\.io/bundle-version",
		"STORAGE:.spec.versions[?(@.storage==true)].name",
		"STORED:.status.storedVersions",
		"CONVERSION:.spec.conversion.strategy",
	}, ","))
	return err
}

func servedVersions(crd *apiextensionsv1.CustomResourceDefinition) []string {
	var out []string
	for _, v := range crd.Spec.Versions {
		if v.Served {
			out = append(out, v.Name)
		}
	}
	return out
}

func storageVersion(crd *apiextensionsv1.CustomResourceDefinition) string {
	for _, v := range crd.Spec.Versions {
		if v.Storage {
			return v.Name
		}
	}
	return ""
}

// comparable drops what the server changes on writes of its own: the
// resourceVersion, managedFields, generation and creation time.
func comparable(obj map[string]any) map[string]any {
	out := (&unstructured.Unstructured{Object: obj}).DeepCopy().Object
	for _, f := range []string{"resourceVersion", "managedFields", "generation", "creationTimestamp"} {
		unstructured.RemoveNestedField(out, "metadata", f)
	}
	return out
}

// summary is one line showing an object's content below metadata.
func summary(obj map[string]any) string {
	rest := map[string]any{}
	for k, v := range obj {
		if k != "apiVersion" && k != "kind" && k != "metadata" {
			rest[k] = v
		}
	}
	return truncate(compact(rest))
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

func sameJSON(a, b any) bool { return compact(a) == compact(b) }

func truncate(s string) string {
	if len(s) <= lineWidth {
		return s
	}
	return s[:lineWidth-3] + "..."
}

// differences lists the paths where got and want differ, at most maxDiffs.
func differences(got, want any) []string {
	var out []string
	var walk func(path string, a, b any)
	walk = func(path string, a, b any) {
		if len(out) >= maxDiffs {
			return
		}
		am, aok := a.(map[string]any)
		bm, bok := b.(map[string]any)
		if aok && bok {
			keys := map[string]bool{}
			for k := range am {
				keys[k] = true
			}
			for k := range bm {
				keys[k] = true
			}
			sorted := slices.Sorted(maps.Keys(keys))
			for _, k := range sorted {
				walk(path+"."+k, am[k], bm[k])
			}
			return
		}
		if !sameJSON(a, b) {
			out = append(out, fmt.Sprintf("%s: got %s, want %s", path, truncate(compact(a)), truncate(compact(b))))
		}
	}
	walk("", got, want)
	return out
}

// missing lists the leaves of want that got lacks or holds another value
// in, at most maxDiffs.
func missing(want, got any) []string {
	var out []string
	var walk func(path string, w, g any)
	walk = func(path string, w, g any) {
		wm, wok := w.(map[string]any)
		gm, gok := g.(map[string]any)
		switch {
		case len(out) >= maxDiffs:
		case wok && gok:
			for _, k := range slices.Sorted(maps.Keys(wm)) {
				walk(path+"."+k, wm[k], gm[k])
			}
		case !sameJSON(w, g):
			out = append(out, fmt.Sprintf("%s: now %s, was %s", path, truncate(compact(g)), truncate(compact(w))))
		}
	}
	walk("", want, got)
	return out
}

// maxDiffs caps the differences one failed check prints.
const maxDiffs = 10

// withDefaults applies the defaults of the CRD's version to obj, as the API
// server does to every object it reads, converted ones included: a field a
// version lacks but another defaults is not stashed, and comes back this way.
func withDefaults(crd *apiextensionsv1.CustomResourceDefinition, version string, obj map[string]any) error {
	for _, v := range crd.Spec.Versions {
		if v.Name != version || v.Schema == nil {
			continue
		}
		var internal apiextensions.JSONSchemaProps
		if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(
			v.Schema.OpenAPIV3Schema, &internal, nil); err != nil {
			return err
		}
		s, err := structuralschema.NewStructural(&internal)
		if err != nil {
			return fmt.Errorf("schema of %s %s: %w", crd.Name, version, err)
		}
		structuraldefaulting.Default(obj, s)
	}
	return nil
}
