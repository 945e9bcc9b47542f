package conversion

import (
	"fmt"
	"reflect"
	"regexp"
	"unicode/utf8"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
)

// valueCheck validates a value itself, not its children, as the API
// server's validator would. The common checks (type, string enums,
// bounds, lengths, patterns, list sizes) are done here, as the validator
// costs more than decoding the object does; a schema with any other check
// is handed to the validator whole.
type valueCheck struct {
	typ      string
	nullable bool

	enum             map[string]bool
	minimum, maximum *float64
	exclusiveMinimum bool
	exclusiveMaximum bool
	minLength        *int64
	maxLength        *int64
	pattern          *regexp.Regexp
	minItems         *int64
	maxItems         *int64

	// validator, when set, decides alone.
	validator validation.SchemaValidator
}

// newValueCheck compiles the checks of s that apply to the value itself.
func newValueCheck(s *apiextensions.JSONSchemaProps) (*valueCheck, error) {
	shallow := *s
	shallow.Properties, shallow.AdditionalProperties, shallow.Items = nil, nil, nil
	shallow.Required, shallow.Default, shallow.Example = nil, nil, nil
	shallow.Description, shallow.Title, shallow.ExternalDocs = "", "", nil
	shallow.XPreserveUnknownFields, shallow.XEmbeddedResource = nil, false
	shallow.XListType, shallow.XListMapKeys, shallow.XMapType, shallow.XValidations = nil, nil, nil, nil

	c := &valueCheck{typ: s.Type, nullable: s.Nullable}
	if c.takeCommon(&shallow) {
		return c, nil
	}
	validator, _, err := validation.NewSchemaValidator(&shallow)
	if err != nil {
		return nil, fmt.Errorf("build validator: %w", err)
	}
	return &valueCheck{validator: validator}, nil
}

// takeCommon takes the checks valueCheck does itself out of s, and reports
// whether that leaves nothing for the validator.
func (c *valueCheck) takeCommon(s *apiextensions.JSONSchemaProps) bool {
	rest := *s
	rest.Type, rest.Nullable, rest.XIntOrString = "", false, false
	switch s.Type {
	case "string":
		if !c.takeEnum(s.Enum) {
			return false
		}
		rest.Enum = nil
		c.minLength, c.maxLength = s.MinLength, s.MaxLength
		rest.MinLength, rest.MaxLength = nil, nil
		if s.Pattern != "" {
			re, err := regexp.Compile(s.Pattern)
			if err != nil {
				return false
			}
			c.pattern, rest.Pattern = re, ""
		}
	case "number", "integer":
		c.minimum, c.maximum = s.Minimum, s.Maximum
		c.exclusiveMinimum, c.exclusiveMaximum = s.ExclusiveMinimum, s.ExclusiveMaximum
		rest.Minimum, rest.Maximum, rest.ExclusiveMinimum, rest.ExclusiveMaximum = nil, nil, false, false
	case "array":
		c.minItems, c.maxItems = s.MinItems, s.MaxItems
		rest.MinItems, rest.MaxItems = nil, nil
	}
	return reflect.DeepEqual(rest, apiextensions.JSONSchemaProps{})
}

// takeEnum keeps an enum of strings; it reports false for any other.
func (c *valueCheck) takeEnum(enum []apiextensions.JSON) bool {
	if len(enum) == 0 {
		return true
	}
	c.enum = make(map[string]bool, len(enum))
	for _, e := range enum {
		s, ok := e.(string)
		if !ok {
			return false
		}
		c.enum[s] = true
	}
	return true
}

// trivial reports whether the check is of the type alone.
func (c *valueCheck) trivial() bool {
	return c.validator == nil && c.enum == nil && c.minimum == nil && c.maximum == nil &&
		c.minLength == nil && c.maxLength == nil && c.pattern == nil && c.minItems == nil && c.maxItems == nil
}

func (c *valueCheck) accepts(v any) bool {
	if c.validator != nil {
		return c.validator.Validate(v).IsValid()
	}
	if !typeAccepts(c.typ, c.nullable, v) {
		return false
	}
	switch x := v.(type) {
	case nil:
		// The validator checks only the type and the enum of a null.
		return c.enum == nil
	case string:
		return c.acceptsString(x)
	case []any:
		return within(int64(len(x)), c.minItems, c.maxItems)
	}
	if f, ok := asFloat(v); ok {
		return c.acceptsNumber(f)
	}
	return true
}

func (c *valueCheck) acceptsString(s string) bool {
	if c.enum != nil && !c.enum[s] {
		return false
	}
	if c.minLength != nil || c.maxLength != nil {
		if !within(int64(utf8.RuneCountInString(s)), c.minLength, c.maxLength) {
			return false
		}
	}
	return c.pattern == nil || c.pattern.MatchString(s)
}

func (c *valueCheck) acceptsNumber(f float64) bool {
	if c.minimum != nil && (f < *c.minimum || (c.exclusiveMinimum && f == *c.minimum)) {
		return false
	}
	return c.maximum == nil || !(f > *c.maximum || (c.exclusiveMaximum && f == *c.maximum))
}

// within reports whether n is in [lo, hi]; nil bounds are open.
func within(n int64, lo, hi *int64) bool {
	return (lo == nil || n >= *lo) && (hi == nil || n <= *hi)
}
