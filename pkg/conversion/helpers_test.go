package conversion

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// objectsDir holds, per CRD, a valid object of each version (<version>.yaml)
// and invalid variants (<version>.invalid-<what>.yaml).
const objectsDir = "../../test/testdata/objects"

var (
	bundleOnce   = sync.OnceValues(crds.Embedded)
	registryOnce = sync.OnceValues(Embedded)
)

func testRegistry(t testing.TB) *Registry {
	t.Helper()
	r, err := registryOnce()
	if err != nil {
		t.Fatalf("Embedded: %v", err)
	}
	return r
}

func testCRD(t testing.TB, name string) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	b, err := bundleOnce()
	if err != nil {
		t.Fatalf("crds.Embedded: %v", err)
	}
	crd := b.Get(name)
	if crd == nil {
		t.Fatalf("the bundle has no CRD %s", name)
	}
	return crd
}

// readObject reads a YAML object as the API server decodes JSON: integers
// as int64, other numbers as float64.
func readObject(t testing.TB, file string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return parseObject(t, data)
}

// parseObject decodes YAML or JSON as readObject does.
func parseObject(t testing.TB, data []byte) map[string]any {
	t.Helper()
	data, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := utiljson.Unmarshal(data, &obj); err != nil {
		t.Fatal(err)
	}
	return obj
}

func corpusObject(t testing.TB, crd, version string) map[string]any {
	t.Helper()
	return readObject(t, filepath.Join(objectsDir, crd, version+".yaml"))
}

// apiSchema is one version's schema as the API server applies it.
type apiSchema struct {
	structural *structuralschema.Structural
	validator  validation.SchemaValidator
}

var (
	schemasMu sync.Mutex
	schemas   = map[string]*apiSchema{}
)

func schemaOf(t testing.TB, crd, version string) *apiSchema {
	t.Helper()
	schemasMu.Lock()
	defer schemasMu.Unlock()
	key := crd + "/" + version
	if s, ok := schemas[key]; ok {
		return s
	}
	var v1 *apiextensionsv1.JSONSchemaProps
	for _, v := range testCRD(t, crd).Spec.Versions {
		if v.Name == version {
			v1 = v.Schema.OpenAPIV3Schema
		}
	}
	if v1 == nil {
		t.Fatalf("CRD %s has no version %s", crd, version)
	}
	internal := &apiextensions.JSONSchemaProps{}
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v1, internal, nil); err != nil {
		t.Fatal(err)
	}
	structural, err := structuralschema.NewStructural(internal)
	if err != nil {
		t.Fatal(err)
	}
	validator, _, err := validation.NewSchemaValidator(internal)
	if err != nil {
		t.Fatal(err)
	}
	s := &apiSchema{structural: structural, validator: validator}
	schemas[key] = s
	return s
}

// stored returns obj as the API server would store it in its version:
// pruned, without nulls it does not allow, and defaulted.
func (s *apiSchema) stored(obj map[string]any) map[string]any {
	obj = runtime.DeepCopyJSON(obj)
	structuralpruning.Prune(obj, s.structural, true)
	structuraldefaulting.PruneNonNullableNullsWithoutDefaults(obj, s.structural)
	structuraldefaulting.Default(obj, s.structural)
	return obj
}

// pruned returns what the API server would prune from obj, as paths.
func (s *apiSchema) pruned(obj map[string]any) []string {
	return structuralpruning.PruneWithOptions(runtime.DeepCopyJSON(obj), s.structural, true,
		structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
}

func (s *apiSchema) validate(obj map[string]any) field.ErrorList {
	return validation.ValidateCustomResource(nil, obj, s.validator)
}

// mustConvert converts a copy of obj.
func mustConvert(t testing.TB, crd string, obj map[string]any, desired string) map[string]any {
	t.Helper()
	out, err := testRegistry(t).Convert(crd, runtime.DeepCopyJSON(obj), desired)
	if err != nil {
		t.Fatalf("Convert to %s: %v", desired, err)
	}
	return out
}

// canonical renders a JSON value with sorted keys, for comparisons that
// ignore which Go type holds a number.
func canonical(t testing.TB, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, data, "", "  "); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func assertJSONEqual(t testing.TB, what string, want, got any) {
	t.Helper()
	if w, g := canonical(t, want), canonical(t, got); w != g {
		t.Errorf("%s:\nwant %s\ngot  %s", what, w, g)
	}
}

// stashOf returns the decoded stash annotation of obj, nil when it has none.
func stashOf(t testing.TB, obj map[string]any) map[string]any {
	t.Helper()
	meta, _ := obj["metadata"].(map[string]any)
	annotations, _ := meta["annotations"].(map[string]any)
	text, ok := annotations[StashAnnotation].(string)
	if !ok {
		return nil
	}
	var s map[string]any
	if err := utiljson.Unmarshal([]byte(text), &s); err != nil {
		t.Fatalf("stash %q: %v", text, err)
	}
	return s
}

// conversionCase is one conversion of a hand-written object, and the way
// back.
type conversionCase struct {
	name string
	// in is the object, in YAML.
	in string
	// to is the desired apiVersion.
	to string
	// want is the converted object without its stash annotation, in YAML.
	want string
	// stash is the stash annotation's value; empty for none.
	stash string
	// back is the object converted back to in's version, when it is not in
	// itself (a field dropped for the API server to default again).
	back string
}

func runConversionCases(t *testing.T, crd string, cases []conversionCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := parseObject(t, []byte(c.in))
			got := mustConvert(t, crd, in, c.to)

			gotStash := ""
			if meta, ok := got["metadata"].(map[string]any); ok {
				if a, ok := meta["annotations"].(map[string]any); ok {
					gotStash, _ = a[StashAnnotation].(string)
				}
			}
			if gotStash != c.stash {
				t.Errorf("stash:\ngot  %s\nwant %s", gotStash, c.stash)
			}
			withoutStash := runtime.DeepCopyJSON(got)
			if _, err := takeStash(withoutStash, "any"); err != nil {
				t.Fatal(err)
			}
			assertJSONEqual(t, "converted", parseObject(t, []byte(c.want)), withoutStash)

			wantBack := in
			if c.back != "" {
				wantBack = parseObject(t, []byte(c.back))
			}
			back := mustConvert(t, crd, got, in["apiVersion"].(string))
			assertJSONEqual(t, "back", wantBack, back)
		})
	}
}
