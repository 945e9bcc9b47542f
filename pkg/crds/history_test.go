package crds

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// previousRelease holds the CRDs osm-edge v1.3.9 shipped: the schemas that
// every object stored in an upgraded cluster was validated by.
const previousRelease = "../../test/testdata/previous-releases/osm-edge-v1.3.9"

// intendedChangesDir holds, per CRD, the differences from v1.3.9 that were
// made on purpose, each with its reason.
const intendedChangesDir = "testdata/intended-changes"

// intendedChange is one entry of an intended-changes file.
type intendedChange struct {
	Change string `json:"change"`
	Reason string `json:"reason"`
}

// TestBundleAgainstOSMEdge139 fails on any difference between a bundled CRD
// and osm-edge v1.3.9's that is not listed, with a reason, in the CRD's
// intended-changes file, and on a listed change that no longer happens.
// Descriptions are not compared; everything that decides validation,
// defaulting, pruning or how the CRD is served is.
//
// One change applies to every multi-version CRD and is not listed per CRD:
// every version is served, and every version but the storage one is
// deprecated with a warning naming it (TestEmbeddedBundle checks that).
func TestBundleAgainstOSMEdge139(t *testing.T) {
	bundle, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	old := loadRelease(t, previousRelease)
	if got, want := len(bundle.Names()), len(old); got != want {
		t.Errorf("bundle has %d CRDs, osm-edge v1.3.9 has %d", got, want)
	}

	for _, name := range sortedKeys(old) {
		t.Run(name, func(t *testing.T) {
			crd := bundle.Get(name)
			if crd == nil {
				t.Fatalf("bundle lacks CRD %s", name)
			}
			intended := loadIntendedChanges(t, name)
			diffs := diffCRD(old[name], crd)

			seen := map[string]bool{}
			for _, d := range diffs {
				if servingPolicy.MatchString(d) {
					continue
				}
				seen[d] = true
				if _, ok := intended[d]; !ok {
					t.Errorf("unintended change (fix the types, or list it with a reason):\n- change: %q", d)
				}
			}
			for change := range intended {
				if !seen[change] {
					t.Errorf("listed change no longer happens, remove it: %q", change)
				}
			}
		})
	}
}

func TestDiffCRDFindsChanges(t *testing.T) {
	base := &apiextensionsv1.CustomResourceDefinition{}
	base.Name = "widgets.example.com"
	base.Spec = apiextensionsv1.CustomResourceDefinitionSpec{
		Group: "example.com",
		Scope: apiextensionsv1.NamespaceScoped,
		Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "widgets", Kind: "Widget"},
		Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
			Name: "v1", Served: true, Storage: true,
			Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
				Type: "object",
				Properties: map[string]apiextensionsv1.JSONSchemaProps{
					"spec": {Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
						"mode": {Type: "string", Enum: []apiextensionsv1.JSON{{Raw: []byte(`"a"`)}}, Description: "old words"},
					}},
				},
			}},
		}},
	}

	cases := []struct {
		name   string
		mutate func(*apiextensionsv1.CustomResourceDefinition)
		want   []string
	}{
		{
			name: "a description is not a change",
			mutate: func(c *apiextensionsv1.CustomResourceDefinition) {
				setMode(c, func(p *apiextensionsv1.JSONSchemaProps) { p.Description = "new words" })
			},
		},
		{
			name: "an enum value added",
			mutate: func(c *apiextensionsv1.CustomResourceDefinition) {
				setMode(c, func(p *apiextensionsv1.JSONSchemaProps) {
					p.Enum = append(p.Enum, apiextensionsv1.JSON{Raw: []byte(`"b"`)})
				})
			},
			want: []string{`v1 .spec.mode enum: ["a"] -> ["a","b"]`},
		},
		{
			name: "a field dropped",
			mutate: func(c *apiextensionsv1.CustomResourceDefinition) {
				delete(c.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties, "mode")
			},
			want: []string{`v1 .spec.mode enum: ["a"] -> (none)`, `v1 .spec.mode type: "string" -> (none)`},
		},
		{
			name:   "a version no longer served",
			mutate: func(c *apiextensionsv1.CustomResourceDefinition) { c.Spec.Versions[0].Served = false },
			want:   []string{"v1 served: true -> false"},
		},
		{
			name:   "a short name added",
			mutate: func(c *apiextensionsv1.CustomResourceDefinition) { c.Spec.Names.ShortNames = []string{"wd"} },
			want:   []string{`names.shortNames: null -> ["wd"]`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			changed := base.DeepCopy()
			tc.mutate(changed)
			got := diffCRD(base, changed)
			if !reflect.DeepEqual(got, tc.want) && (len(got) != 0 || len(tc.want) != 0) {
				t.Errorf("diff:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func setMode(c *apiextensionsv1.CustomResourceDefinition, f func(*apiextensionsv1.JSONSchemaProps)) {
	spec := c.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]
	mode := spec.Properties["mode"]
	f(&mode)
	spec.Properties["mode"] = mode
	c.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"] = spec
}

// servingPolicy matches the differences that follow from serving every
// version and deprecating the older ones.
var servingPolicy = regexp.MustCompile(`^v\w+ (served: false -> true|deprecated: false -> true|deprecationWarning: null -> ".*")$`)

// loadRelease reads the CRDs of a previous release the way kubectl did when
// it installed them: YAML 1.1 scalars and all.
func loadRelease(t *testing.T, dir string) map[string]*apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in %s: %v", dir, err)
	}
	out := map[string]*apiextensionsv1.CustomResourceDefinition{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := singleDocument(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.Unmarshal(doc, crd); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[crd.Name] = crd
	}
	return out
}

func loadIntendedChanges(t *testing.T, crd string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(intendedChangesDir, crd+".yaml"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var list []intendedChange
	if err := yaml.UnmarshalStrict(data, &list); err != nil {
		t.Fatalf("intended changes of %s: %v", crd, err)
	}
	out := map[string]string{}
	for _, c := range list {
		if strings.TrimSpace(c.Reason) == "" {
			t.Errorf("intended change %q of %s has no reason", c.Change, crd)
		}
		if _, dup := out[c.Change]; dup {
			t.Errorf("intended change %q of %s is listed twice", c.Change, crd)
		}
		out[c.Change] = c.Reason
	}
	return out
}

// diffCRD lists, one line each, the differences between two CRDs in what the
// API server acts on. Both are defaulted first, as the server would.
func diffCRD(oldCRD, newCRD *apiextensionsv1.CustomResourceDefinition) []string {
	o, n := oldCRD.DeepCopy(), newCRD.DeepCopy()
	apiextensionsv1.SetObjectDefaults_CustomResourceDefinition(o)
	apiextensionsv1.SetObjectDefaults_CustomResourceDefinition(n)

	var d differ
	d.value("labels", o.Labels, n.Labels)
	d.value("scope", o.Spec.Scope, n.Spec.Scope)
	d.value("names.kind", o.Spec.Names.Kind, n.Spec.Names.Kind)
	d.value("names.listKind", o.Spec.Names.ListKind, n.Spec.Names.ListKind)
	d.value("names.plural", o.Spec.Names.Plural, n.Spec.Names.Plural)
	d.value("names.singular", o.Spec.Names.Singular, n.Spec.Names.Singular)
	d.value("names.shortNames", o.Spec.Names.ShortNames, n.Spec.Names.ShortNames)
	d.value("names.categories", o.Spec.Names.Categories, n.Spec.Names.Categories)
	d.value("preserveUnknownFields", o.Spec.PreserveUnknownFields, n.Spec.PreserveUnknownFields)

	oldVersions, newVersions := versionsByName(o), versionsByName(n)
	for _, name := range sortedKeys(union(oldVersions, newVersions)) {
		ov, nv := oldVersions[name], newVersions[name]
		switch {
		case ov == nil:
			d.add("%s: version added", name)
		case nv == nil:
			d.add("%s: version removed", name)
		default:
			d.version(name, ov, nv)
		}
	}
	sort.Strings(d.lines)
	return d.lines
}

type differ struct{ lines []string }

func (d *differ) add(format string, args ...any) {
	d.lines = append(d.lines, fmt.Sprintf(format, args...))
}

func (d *differ) value(what string, o, n any) {
	oj, nj := mustJSON(o), mustJSON(n)
	if oj != nj {
		d.add("%s: %s -> %s", what, oj, nj)
	}
}

func (d *differ) version(name string, o, n *apiextensionsv1.CustomResourceDefinitionVersion) {
	d.value(name+" served", o.Served, n.Served)
	d.value(name+" storage", o.Storage, n.Storage)
	d.value(name+" deprecated", o.Deprecated, n.Deprecated)
	d.value(name+" deprecationWarning", o.DeprecationWarning, n.DeprecationWarning)
	d.value(name+" subresources", enabledSubresources(o.Subresources), enabledSubresources(n.Subresources))
	d.value(name+" additionalPrinterColumns", withoutDescriptions(o.AdditionalPrinterColumns), withoutDescriptions(n.AdditionalPrinterColumns))
	d.value(name+" selectableFields", o.SelectableFields, n.SelectableFields)

	oldLeaves, newLeaves := schemaLeaves(o.Schema), schemaLeaves(n.Schema)
	dropImpliedRootFields(oldLeaves, newLeaves)
	for _, key := range sortedKeys(union(oldLeaves, newLeaves)) {
		ov, ok := oldLeaves[key]
		if !ok {
			ov = "(none)"
		}
		nv, ok := newLeaves[key]
		if !ok {
			nv = "(none)"
		}
		if ov != nv {
			d.add("%s %s: %s -> %s", name, key, ov, nv)
		}
	}
}

// dropImpliedRootFields removes the root apiVersion, kind and metadata
// properties from the new schema's leaves when the old schema did not spell
// them out, since their presence changes nothing.
func dropImpliedRootFields(oldLeaves, newLeaves map[string]string) {
	for _, field := range []string{"apiVersion", "kind", "metadata"} {
		key := "." + field + " type"
		if _, ok := oldLeaves[key]; ok {
			continue
		}
		delete(newLeaves, key)
	}
}

// enabledSubresources treats an empty subresources object, which
// controller-gen writes beside printer columns, as none.
func enabledSubresources(s *apiextensionsv1.CustomResourceSubresources) *apiextensionsv1.CustomResourceSubresources {
	if s == nil || (s.Status == nil && s.Scale == nil) {
		return nil
	}
	return s
}

// withoutDescriptions returns printer columns without their descriptions,
// which only kubectl explain shows.
func withoutDescriptions(cols []apiextensionsv1.CustomResourceColumnDefinition) []apiextensionsv1.CustomResourceColumnDefinition {
	out := make([]apiextensionsv1.CustomResourceColumnDefinition, len(cols))
	for i, c := range cols {
		c.Description = ""
		out[i] = c
	}
	return out
}

// schemaLeaves flattens a schema into "<path> <keyword>" -> JSON value.
// Paths name properties by dots, array items by [] and map values by {}.
// Descriptions are skipped; required and enum are compared as sets.
func schemaLeaves(v *apiextensionsv1.CustomResourceValidation) map[string]string {
	out := map[string]string{}
	if v == nil || v.OpenAPIV3Schema == nil {
		return out
	}
	var root map[string]any
	if err := json.Unmarshal([]byte(mustJSON(v.OpenAPIV3Schema)), &root); err != nil {
		panic(err)
	}
	walkSchema("", root, out)
	return out
}

func walkSchema(path string, node map[string]any, out map[string]string) {
	display := path
	if display == "" {
		display = "."
	}
	for key, value := range node {
		switch key {
		case "description":
		case "properties":
			for name, child := range value.(map[string]any) {
				walkSchema(path+"."+name, child.(map[string]any), out)
			}
		case "items":
			if child, ok := value.(map[string]any); ok {
				walkSchema(path+"[]", child, out)
				continue
			}
			out[display+" items"] = mustJSON(stripDescriptions(value))
		case "additionalProperties":
			if child, ok := value.(map[string]any); ok {
				walkSchema(path+"{}", child, out)
				continue
			}
			out[display+" additionalProperties"] = mustJSON(value)
		case "required", "enum":
			out[display+" "+key] = sortedJSON(value.([]any))
		default:
			out[display+" "+key] = mustJSON(stripDescriptions(value))
		}
	}
}

// stripDescriptions removes description keywords from schemas nested in
// keywords compared whole (allOf, anyOf, oneOf, not).
func stripDescriptions(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, child := range x {
			if k == "description" {
				if _, isSchemaKeyword := child.(string); isSchemaKeyword {
					continue
				}
			}
			out[k] = stripDescriptions(child)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, child := range x {
			out[i] = stripDescriptions(child)
		}
		return out
	default:
		return v
	}
}

func sortedJSON(values []any) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = mustJSON(v)
	}
	sort.Strings(parts)
	return "[" + strings.Join(parts, ",") + "]"
}

func mustJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(data)
}

func versionsByName(crd *apiextensionsv1.CustomResourceDefinition) map[string]*apiextensionsv1.CustomResourceDefinitionVersion {
	out := map[string]*apiextensionsv1.CustomResourceDefinitionVersion{}
	for i := range crd.Spec.Versions {
		out[crd.Spec.Versions[i].Name] = &crd.Spec.Versions[i]
	}
	return out
}

func union[V any](a, b map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
