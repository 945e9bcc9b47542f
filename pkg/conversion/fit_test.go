package conversion

import (
	"math"
	"slices"
	"strings"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"sigs.k8s.io/yaml"
)

// TestTypeAcceptsAsTheValidator: the fast type check decides as the API
// server's validator does.
func TestTypeAcceptsAsTheValidator(t *testing.T) {
	values := []any{nil, map[string]any{}, []any{}, "s", true, int64(3), float64(3), 1.5,
		float64(1 << 53), float64(1 << 60), math.Copysign(0, -1)}
	for _, typ := range []string{"", "object", "array", "string", "boolean", "number", "integer"} {
		for _, nullable := range []bool{false, true} {
			validator, _, err := validation.NewSchemaValidator(&apiextensions.JSONSchemaProps{Type: typ, Nullable: nullable})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range values {
				want := validator.Validate(v).IsValid()
				if got := typeAccepts(typ, nullable, v); got != want {
					t.Errorf("type %q nullable %v, value %#v: got %v, want %v", typ, nullable, v, got, want)
				}
			}
		}
	}
}

// fitSchema exercises the pruning and rejection rules.
const fitSchema = `
type: object
properties:
  apiVersion: {type: string}
  kind: {type: string}
  metadata: {type: object}
  spec:
    type: object
    required: [name]
    properties:
      name: {type: string, enum: [a, b]}
      mode: {type: string, enum: [x, y]}
      count: {type: integer, minimum: 1}
      labels: {type: object, additionalProperties: {type: string}}
      free:
        type: object
        x-kubernetes-preserve-unknown-fields: true
        properties:
          known: {type: object, properties: {a: {type: string}}}
          list: {type: array, items: {type: object, properties: {a: {type: string}}}}
      items:
        type: array
        minItems: 2
        items: {type: object, required: [k], properties: {k: {type: string, pattern: '^[a-z]+$'}}}
      nullable: {type: string, nullable: true}
`

func TestFit(t *testing.T) {
	props := &apiextensionsv1.JSONSchemaProps{}
	if err := yaml.UnmarshalStrict([]byte(fitSchema), props); err != nil {
		t.Fatal(err)
	}
	root, err := compileSchema(&apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: props})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		obj  string
		// want lists pointer=value, sorted, "?" after the pointer for a
		// field the schema lacks.
		want []string
	}{
		{"a valid object", `{"apiVersion":"v","kind":"K","metadata":{"x":1},"spec":{"name":"a","items":[{"k":"a"},{"k":"b"}]}}`, nil},
		{"unknown fields, at the root and below", `{"status":{},"spec":{"name":"a","extra":1}}`, []string{"/spec/extra?=1", "/status?={}"}},
		{"a rejected value", `{"spec":{"name":"a","mode":"z","count":0}}`, []string{`/spec/count=0`, `/spec/mode="z"`}},
		{"a rejected required value takes its object", `{"spec":{"name":"c","mode":"x"}}`, []string{`/spec={"mode":"x","name":"c"}`}},
		{"additionalProperties: keys kept, bad values rejected", `{"spec":{"name":"a","labels":{"k":"v","n":1}}}`, []string{"/spec/labels/n=1"}},
		{
			"preserve-unknown-fields keeps unknown fields, and in the items of its lists, not below named fields",
			`{"spec":{"name":"a","free":{"u":1,"known":{"a":"s","b":2},"list":[{"a":"s","c":3}],"anon":[{"d":4}]}}}`,
			[]string{"/spec/free/known/b?=2", "/spec/free/list/0/c?=3"},
		},
		{"a list item without its required key goes whole", `{"spec":{"name":"a","items":[{"k":"a"},{"k":"b"},{"k":"B"}]}}`, []string{`/spec/items/2={"k":"B"}`}},
		{"a list below its minimum goes whole", `{"spec":{"name":"a","items":[{"k":"a"},{"k":"1"}]}}`, []string{`/spec/items=[{"k":"a"},{"k":"1"}]`}},
		{"null where allowed, and where not", `{"spec":{"name":"a","nullable":null,"mode":null}}`, []string{"/spec/mode=null"}},
		{"the root stays whatever it lacks", `{"spec":"text"}`, []string{`/spec="text"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			obj := parseObject(t, []byte(c.obj))
			var got []string
			for _, r := range fit(root, obj, nil) {
				mark := ""
				if r.unknown {
					mark = "?"
				}
				got = append(got, r.at.String()+mark+"="+strings.TrimSpace(compact(t, r.value)))
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

func compact(t *testing.T, v any) string {
	t.Helper()
	return strings.Join(strings.Fields(canonical(t, v)), "")
}
