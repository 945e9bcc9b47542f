package conversion

import (
	"fmt"
	"math"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// node is one level of a version's schema, reduced to what conversion asks
// of it: what the API server would prune (fields the schema does not name)
// and what it would reject (a value its own checks refuse, or an object
// left without a required field).
type node struct {
	typ      string
	nullable bool
	props    map[string]*node
	// additional is the schema of every key's value when additionalProperties
	// is one; keyed is true when additionalProperties allows any key.
	additional *node
	keyed      bool
	items      *node
	// keepUnknown is x-kubernetes-preserve-unknown-fields.
	keepUnknown bool
	// embedded: apiVersion, kind and metadata are neither pruned nor checked
	// here (the root, and x-kubernetes-embedded-resource).
	embedded   bool
	required   map[string]bool
	def        any
	hasDefault bool
	// check validates the value itself, without its children; nil when the
	// schema says nothing of it but a type.
	check *valueCheck
}

// compileSchema builds the node tree of a version's schema. A version
// without one accepts any field, as the API server does.
func compileSchema(v *apiextensionsv1.CustomResourceValidation) (*node, error) {
	if v == nil || v.OpenAPIV3Schema == nil {
		return &node{typ: "object", keepUnknown: true, embedded: true}, nil
	}
	internal := &apiextensions.JSONSchemaProps{}
	err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.OpenAPIV3Schema, internal, nil)
	if err != nil {
		return nil, fmt.Errorf("convert schema: %w", err)
	}
	root, err := compileNode(internal)
	if err != nil {
		return nil, err
	}
	root.embedded = true
	return root, nil
}

func compileNode(s *apiextensions.JSONSchemaProps) (*node, error) {
	n := &node{
		typ:         s.Type,
		nullable:    s.Nullable,
		keepUnknown: s.XPreserveUnknownFields != nil && *s.XPreserveUnknownFields,
		embedded:    s.XEmbeddedResource,
	}
	if s.Default != nil {
		n.def, n.hasDefault = *s.Default, true
	}
	if len(s.Required) > 0 {
		n.required = make(map[string]bool, len(s.Required))
		for _, r := range s.Required {
			n.required[r] = true
		}
	}
	if err := n.compileChildren(s); err != nil {
		return nil, err
	}
	check, err := newValueCheck(s)
	if err != nil {
		return nil, err
	}
	if !check.trivial() {
		n.check = check
	}
	return n, nil
}

func (n *node) compileChildren(s *apiextensions.JSONSchemaProps) error {
	if len(s.Properties) > 0 {
		n.props = make(map[string]*node, len(s.Properties))
	}
	for name, p := range s.Properties {
		child, err := compileNode(&p)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		n.props[name] = child
	}
	if a := s.AdditionalProperties; a != nil && (a.Allows || a.Schema != nil) {
		n.keyed = true
		if a.Schema != nil {
			child, err := compileNode(a.Schema)
			if err != nil {
				return fmt.Errorf("additionalProperties: %w", err)
			}
			n.additional = child
		}
	}
	if s.Items != nil && s.Items.Schema != nil {
		child, err := compileNode(s.Items.Schema)
		if err != nil {
			return fmt.Errorf("items: %w", err)
		}
		n.items = child
	}
	return nil
}

// child returns the schema of key k of an object, and false when the
// schema does not name k (the API server would prune it).
func (n *node) child(k string) (*node, bool) {
	if n == nil {
		return nil, false
	}
	if c, ok := n.props[k]; ok {
		return c, true
	}
	return n.additional, n.keyed
}

// lookup returns the schema at p, or nil when the schema does not reach p.
func (n *node) lookup(p path) *node {
	for _, token := range p {
		if n == nil {
			return nil
		}
		if _, isIndex := index(token); isIndex && n.items != nil {
			n = n.items
			continue
		}
		n, _ = n.child(token)
	}
	return n
}

// accepts reports whether the value itself, not its children, passes the
// schema's checks.
func (n *node) accepts(v any) bool {
	if n.check != nil {
		return n.check.accepts(v)
	}
	return typeAccepts(n.typ, n.nullable, v)
}

// maxJSONInteger bounds the integers a float64 holds exactly; the API
// server's validator accepts a float64 as an integer below it.
const maxJSONInteger = 1 << 53

// typeAccepts reports whether v, a decoded JSON value, has the OpenAPI
// type typ, as the API server's validator decides it.
func typeAccepts(typ string, nullable bool, v any) bool {
	if v == nil {
		return typ == "" || nullable
	}
	switch typ {
	case "":
		return true
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		switch v.(type) {
		case int64, int, float64:
			return true
		}
		return false
	case "integer":
		switch x := v.(type) {
		case int64, int:
			return true
		case float64:
			return x == math.Trunc(x) && math.Abs(x) < maxJSONInteger
		}
		return false
	}
	return false
}
