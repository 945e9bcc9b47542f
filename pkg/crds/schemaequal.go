package crds

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// SchemasEqual reports whether two schemas validate, default and prune
// every object the same way, so that reading an object of one as the other
// (an apiVersion rewrite, conversion strategy None) loses nothing.
// Descriptions, titles, examples and external docs are ignored, and so is
// the order of enum values, required fields, list map keys and validation
// rules; JSON values (enum, default) compare by meaning, not by spelling.
// Two nil schemas are equal; nil and an empty schema are not.
func SchemasEqual(a, b *apiextensionsv1.JSONSchemaProps) bool {
	if a == nil || b == nil {
		return a == b
	}
	return reflect.DeepEqual(normalizedSchema(a), normalizedSchema(b))
}

// normalizedSchema returns a copy of s with everything SchemasEqual ignores
// cleared, and everything it compares by meaning in one canonical form.
func normalizedSchema(s *apiextensionsv1.JSONSchemaProps) *apiextensionsv1.JSONSchemaProps {
	n := s.DeepCopy()
	normalizeSchema(n)
	return n
}

func normalizeSchema(s *apiextensionsv1.JSONSchemaProps) {
	s.Description, s.Title, s.Example, s.ExternalDocs = "", "", nil, nil
	s.Enum = canonicalEnum(s.Enum)
	s.Required = sortedUnique(s.Required)
	s.XListMapKeys = sortedUnique(s.XListMapKeys)
	if s.Default != nil {
		s.Default = &apiextensionsv1.JSON{Raw: canonicalJSON(s.Default.Raw)}
	}
	if s.XPreserveUnknownFields != nil && !*s.XPreserveUnknownFields {
		s.XPreserveUnknownFields = nil
	}
	if s.XListType != nil && *s.XListType == "atomic" {
		s.XListType = nil
	}
	if s.XMapType != nil && *s.XMapType == "granular" {
		s.XMapType = nil
	}
	s.XValidations = normalizedRules(s.XValidations)

	for _, list := range []*[]apiextensionsv1.JSONSchemaProps{&s.AllOf, &s.OneOf, &s.AnyOf} {
		if len(*list) == 0 {
			*list = nil
		}
		for i := range *list {
			normalizeSchema(&(*list)[i])
		}
	}
	normalizeSchemaMap(&s.Properties)
	normalizeSchemaMap(&s.PatternProperties)
	normalizeSchemaMap((*map[string]apiextensionsv1.JSONSchemaProps)(&s.Definitions))
	normalizeDependencies(&s.Dependencies)
	if s.Not != nil {
		normalizeSchema(s.Not)
	}
	normalizeSchemaOrBool(s.AdditionalProperties)
	normalizeSchemaOrBool(s.AdditionalItems)
	normalizeSchemaOrArray(s.Items)
}

func normalizeSchemaMap(m *map[string]apiextensionsv1.JSONSchemaProps) {
	if len(*m) == 0 {
		*m = nil
		return
	}
	for k, v := range *m {
		normalizeSchema(&v)
		(*m)[k] = v
	}
}

func normalizeDependencies(d *apiextensionsv1.JSONSchemaDependencies) {
	if len(*d) == 0 {
		*d = nil
		return
	}
	for k, v := range *d {
		if v.Schema != nil {
			normalizeSchema(v.Schema)
		}
		v.Property = sortedUnique(v.Property)
		(*d)[k] = v
	}
}

func normalizeSchemaOrBool(s *apiextensionsv1.JSONSchemaPropsOrBool) {
	if s != nil && s.Schema != nil {
		normalizeSchema(s.Schema)
	}
}

func normalizeSchemaOrArray(s *apiextensionsv1.JSONSchemaPropsOrArray) {
	if s == nil {
		return
	}
	if s.Schema != nil {
		normalizeSchema(s.Schema)
	}
	if len(s.JSONSchemas) == 0 {
		s.JSONSchemas = nil
	}
	for i := range s.JSONSchemas {
		normalizeSchema(&s.JSONSchemas[i])
	}
}

// normalizedRules sorts validation rules and drops spelled-out defaults.
func normalizedRules(rules apiextensionsv1.ValidationRules) apiextensionsv1.ValidationRules {
	if len(rules) == 0 {
		return nil
	}
	for i := range rules {
		if r := rules[i].OptionalOldSelf; r != nil && !*r {
			rules[i].OptionalOldSelf = nil
		}
	}
	sort.SliceStable(rules, func(i, j int) bool { return ruleKey(rules[i]) < ruleKey(rules[j]) })
	return rules
}

func ruleKey(r apiextensionsv1.ValidationRule) string {
	return strings.Join([]string{r.Rule, r.Message, r.MessageExpression, r.FieldPath}, "\x00")
}

// canonicalEnum returns the enum's values in canonical JSON, sorted and
// without duplicates.
func canonicalEnum(values []apiextensionsv1.JSON) []apiextensionsv1.JSON {
	if len(values) == 0 {
		return nil
	}
	var out []apiextensionsv1.JSON
	for _, raw := range sortedUnique(enumStrings(values)) {
		out = append(out, apiextensionsv1.JSON{Raw: []byte(raw)})
	}
	return out
}

func enumStrings(values []apiextensionsv1.JSON) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(canonicalJSON(v.Raw))
	}
	return out
}

// canonicalJSON re-encodes a JSON value so that equal values are equal
// bytes (object keys sorted, no spacing). Invalid JSON is returned as is:
// it then only equals the same bytes.
func canonicalJSON(raw []byte) []byte {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return raw
	}
	out, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return out
}

func sortedUnique(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := append([]string(nil), in...)
	sort.Strings(out)
	kept := out[:1]
	for _, s := range out[1:] {
		if s != kept[len(kept)-1] {
			kept = append(kept, s)
		}
	}
	return kept
}
