package conversion

import (
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"sigs.k8s.io/yaml"
)

// TestValueCheckAsTheValidator: the checks valueCheck does itself decide
// as the API server's validator does.
func TestValueCheckAsTheValidator(t *testing.T) {
	cases := []struct {
		schema string
		// fast says whether valueCheck decides without the validator.
		fast bool
	}{
		{`{type: string, enum: [a, b]}`, true},
		{`{type: string, enum: [a], nullable: true}`, true},
		{`{type: string, minLength: 1, maxLength: 3}`, true},
		{`{type: string, pattern: '^[a-z]+$'}`, true},
		{`{type: string, pattern: '((?:\d{1,3}\.){3}\d{1,3})\/(\d{1,2})$'}`, true},
		{`{type: integer, minimum: 1, maximum: 65535}`, true},
		{`{type: integer, nullable: true, minimum: 1}`, true},
		{`{type: number, minimum: 0, exclusiveMinimum: true, maximum: 2, exclusiveMaximum: true}`, true},
		{`{type: array, minItems: 1, maxItems: 2}`, true},
		{`{type: integer, enum: [1, 2]}`, false},
		{`{type: string, format: date}`, false},
		{`{type: object, minProperties: 1}`, false},
		{`{x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}`, false},
	}
	values := []any{nil, "", "a", "abc", "abcd", "ABC", "日本語", "10.0.0.0/8", int64(0), int64(1), int64(65535),
		int64(65536), int64(97), -1.5, 1.5, float64(2), true, map[string]any{}, map[string]any{"k": "v"},
		[]any{}, []any{"a"}, []any{"a", "b", "c"}}
	for _, c := range cases {
		t.Run(c.schema, func(t *testing.T) {
			v1 := &apiextensionsv1.JSONSchemaProps{}
			if err := yaml.UnmarshalStrict([]byte(c.schema), v1); err != nil {
				t.Fatal(err)
			}
			s := &apiextensions.JSONSchemaProps{}
			if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v1, s, nil); err != nil {
				t.Fatal(err)
			}
			check, err := newValueCheck(s)
			if err != nil {
				t.Fatal(err)
			}
			if fast := check.validator == nil; fast != c.fast {
				t.Errorf("decided without the validator: %v, want %v", fast, c.fast)
			}
			validator, _, err := validation.NewSchemaValidator(s)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range values {
				if got, want := check.accepts(v), validator.Validate(v).IsValid(); got != want {
					t.Errorf("value %#v: got %v, want %v", v, got, want)
				}
			}
		})
	}
}
