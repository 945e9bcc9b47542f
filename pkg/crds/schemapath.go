package crds

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// stepKind says how one step of a schema path descends.
type stepKind int

const (
	stepField  stepKind = iota // a named property
	stepItems                  // every item of a list: []
	stepValues                 // every value of a map: {}
)

type pathStep struct {
	kind stepKind
	name string
}

// schemaPath locates a node of a schema, and the values of an object that
// the node validates. The empty path is the object itself.
type schemaPath []pathStep

func (p schemaPath) with(s pathStep) schemaPath {
	out := make(schemaPath, len(p), len(p)+1)
	copy(out, p)
	return append(out, s)
}

func (p schemaPath) field(name string) schemaPath {
	return p.with(pathStep{kind: stepField, name: name})
}
func (p schemaPath) items() schemaPath  { return p.with(pathStep{kind: stepItems}) }
func (p schemaPath) values() schemaPath { return p.with(pathStep{kind: stepValues}) }

// String renders the path as Fact.Path does: spec.rules[].kind,
// spec.labels{}, metadata["odd.name"]; "." for the object itself.
func (p schemaPath) String() string {
	if len(p) == 0 {
		return "."
	}
	var b strings.Builder
	for i, s := range p {
		switch {
		case s.kind == stepItems:
			b.WriteString("[]")
		case s.kind == stepValues:
			b.WriteString("{}")
		case !plainFieldName(s.name):
			b.WriteString("[" + strconv.Quote(s.name) + "]")
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.name)
		}
	}
	return b.String()
}

// plainFieldName reports whether a field name can be written bare in a
// path; any other name is quoted.
func plainFieldName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("_-$@", r) {
			return false
		}
	}
	return true
}

// parseSchemaPath reads a path written by schemaPath.String.
func parseSchemaPath(s string) (schemaPath, error) {
	if s == "." {
		return nil, nil
	}
	if s == "" {
		return nil, errors.New("empty path")
	}
	var p schemaPath
	for i := 0; i < len(s); {
		var err error
		switch rest := s[i:]; {
		case strings.HasPrefix(rest, "[]"):
			p, i = p.items(), i+2
		case strings.HasPrefix(rest, "{}"):
			p, i = p.values(), i+2
		case strings.HasPrefix(rest, `["`):
			var name string
			name, i, err = quotedStep(s, i)
			p = p.field(name)
		default:
			var name string
			name, i, err = plainStep(s, i, len(p) > 0)
			p = p.field(name)
		}
		if err != nil {
			return nil, fmt.Errorf("parse path %q: %w", s, err)
		}
	}
	return p, nil
}

// quotedStep reads a ["name"] step starting at s[i].
func quotedStep(s string, i int) (string, int, error) {
	quoted, err := strconv.QuotedPrefix(s[i+1:])
	if err != nil {
		return "", 0, fmt.Errorf("bad quoted field at offset %d: %w", i, err)
	}
	end := i + 1 + len(quoted)
	if !strings.HasPrefix(s[end:], "]") {
		return "", 0, fmt.Errorf("missing ] at offset %d", end)
	}
	name, err := strconv.Unquote(quoted)
	if err != nil {
		return "", 0, fmt.Errorf("bad quoted field at offset %d: %w", i, err)
	}
	return name, end + 1, nil
}

// plainStep reads a bare field name starting at s[i], after a dot unless
// it is the first step.
func plainStep(s string, i int, afterStep bool) (string, int, error) {
	if afterStep {
		if s[i] != '.' {
			return "", 0, fmt.Errorf("want . at offset %d", i)
		}
		i++
	}
	end := i
	for end < len(s) && !strings.ContainsRune(".[{", rune(s[end])) {
		end++
	}
	if name := s[i:end]; plainFieldName(name) {
		return name, end, nil
	}
	return "", 0, fmt.Errorf("bad field name at offset %d", i)
}

// UsesField reports whether object, a custom resource decoded from JSON
// (such as an unstructured object's content), holds a value at path. The
// path is written as in Fact.Path: field names joined by dots, [] for
// every item of a list, {} for every value of a map, ["name"] for a field
// whose name needs quoting, "." for the object itself. A path through a
// list or map is used when any item or value uses the rest; a field set to
// null counts as used. Only a malformed path is an error.
func UsesField(object map[string]any, path string) (bool, error) {
	p, err := parseSchemaPath(path)
	if err != nil {
		return false, err
	}
	return p.usedIn(object), nil
}

func (p schemaPath) usedIn(value any) bool {
	if len(p) == 0 {
		return true
	}
	rest := p[1:]
	switch p[0].kind {
	case stepItems:
		list, _ := value.([]any)
		for _, item := range list {
			if rest.usedIn(item) {
				return true
			}
		}
	case stepValues:
		m, _ := value.(map[string]any)
		for _, v := range m {
			if rest.usedIn(v) {
				return true
			}
		}
	default:
		m, _ := value.(map[string]any)
		if v, ok := m[p[0].name]; ok {
			return rest.usedIn(v)
		}
	}
	return false
}

// schemaWalk compares the schemas of one version, live and next, node by
// node, and collects the facts found at each path. It descends only where
// both sides have the node: what only next has accepts more, and what only
// live has is a removed field.
type schemaWalk struct {
	version string
	facts   []Fact
}

func (w *schemaWalk) add(kind FactKind, p schemaPath, format string, args ...any) {
	w.facts = append(w.facts, newFact(kind, w.version, p.String(), fmt.Sprintf(format, args...)))
}

func (w *schemaWalk) node(p schemaPath, live, next *apiextensionsv1.JSONSchemaProps) {
	if w.typeChanged(p, live, next) {
		return
	}
	w.enumNarrowed(p, live, next)
	w.requiredAdded(p, live, next)
	w.tightened(p, live, next)
	w.unknownFieldsDropped(p, live, next)
	w.properties(p, live, next)
	w.mapValues(p, live, next)
	w.listItems(p, live, next)
}

// typeChanged reports a change of type and tells the walk to stop there:
// below a node of another type, the two schemas describe different values.
func (w *schemaWalk) typeChanged(p schemaPath, live, next *apiextensionsv1.JSONSchemaProps) bool {
	from, to := typeOf(live), typeOf(next)
	if from == to {
		return false
	}
	f := newFact(FactTypeChanged, w.version, p.String(), fmt.Sprintf("type %s -> %s", from, to))
	if typeWidens(from, to) {
		f.Attention = false
		f.Detail += " (accepts more)"
	}
	w.facts = append(w.facts, f)
	return true
}

// typeOf names the values a schema node accepts: its type, int-or-string,
// or any when it sets no type.
func typeOf(s *apiextensionsv1.JSONSchemaProps) string {
	switch {
	case s.XIntOrString:
		return "int-or-string"
	case s.Type != "":
		return s.Type
	default:
		return "any"
	}
}

// typeWidens reports whether every value of type from is also one of to.
func typeWidens(from, to string) bool {
	switch to {
	case "any":
		return true
	case "number":
		return from == "integer"
	case "int-or-string":
		return from == "integer" || from == "string"
	}
	return false
}

func (w *schemaWalk) enumNarrowed(p schemaPath, live, next *apiextensionsv1.JSONSchemaProps) {
	if len(next.Enum) == 0 {
		return
	}
	nextValues := enumStrings(next.Enum)
	if len(live.Enum) == 0 {
		w.add(FactEnumNarrowed, p, "enum added: %s", strings.Join(sortedUnique(nextValues), ", "))
		return
	}
	kept := map[string]bool{}
	for _, v := range nextValues {
		kept[v] = true
	}
	var removed []string
	for _, v := range sortedUnique(enumStrings(live.Enum)) {
		if !kept[v] && enumValueFits(v, live) {
			removed = append(removed, v)
		}
	}
	if len(removed) > 0 {
		w.add(FactEnumNarrowed, p, "values removed: %s", strings.Join(removed, ", "))
	}
}

// enumValueFits reports whether a canonical JSON enum value is of a type
// the node accepts. A value that is not (v1.3.9 has the boolean false in
// a string enum, from an unquoted off) never matched anything, so removing
// it narrows nothing.
func enumValueFits(raw string, s *apiextensionsv1.JSONSchemaProps) bool {
	if raw == "" {
		return true
	}
	var kind string
	switch c := raw[0]; {
	case c == '"':
		kind = "string"
	case c == 't' || c == 'f':
		kind = "boolean"
	case c == 'n':
		return s.Nullable
	case c == '{':
		kind = "object"
	case c == '[':
		kind = "array"
	default:
		kind = "number"
	}
	switch t := typeOf(s); t {
	case "any":
		return true
	case "int-or-string", "integer":
		return kind == "number" || (t == "int-or-string" && kind == "string")
	default:
		return kind == t
	}
}

func (w *schemaWalk) requiredAdded(p schemaPath, live, next *apiextensionsv1.JSONSchemaProps) {
	was := map[string]bool{}
	for _, name := range live.Required {
		was[name] = true
	}
	for _, name := range sortedUnique(next.Required) {
		if !was[name] {
			w.add(FactFieldRequired, p.field(name), "newly required")
		}
	}
}

// unknownFieldsDropped reports a node that stops preserving unknown fields:
// the server prunes them from then on. Which fields those are is not known
// from the schema, so the fact needs attention outright.
func (w *schemaWalk) unknownFieldsDropped(p schemaPath, live, next *apiextensionsv1.JSONSchemaProps) {
	if !preservesUnknown(live) || preservesUnknown(next) {
		return
	}
	w.add(FactFieldRemoved, p, "unknown fields no longer preserved: they are pruned")
	w.facts[len(w.facts)-1].Attention = true
}

func preservesUnknown(s *apiextensionsv1.JSONSchemaProps) bool {
	return s.XPreserveUnknownFields != nil && *s.XPreserveUnknownFields
}

// keepsUndeclared reports whether a node keeps fields its schema does not
// declare, instead of pruning them.
func keepsUndeclared(s *apiextensionsv1.JSONSchemaProps) bool {
	ap := s.AdditionalProperties
	return preservesUnknown(s) || (ap != nil && ap.Allows && ap.Schema == nil)
}

// implicitRootFields are kept by the server whatever a schema says.
var implicitRootFields = map[string]bool{"apiVersion": true, "kind": true, "metadata": true}

func (w *schemaWalk) properties(p schemaPath, live, next *apiextensionsv1.JSONSchemaProps) {
	for _, name := range sortedUnique(schemaNames(live.Properties)) {
		liveChild := live.Properties[name]
		child := p.field(name)
		if nextChild, ok := next.Properties[name]; ok {
			w.node(child, &liveChild, &nextChild)
			continue
		}
		if len(p) == 0 && implicitRootFields[name] {
			continue
		}
		if values := mapValuesSchema(next); values != nil {
			// A map now: the field is one of its keys, validated as a value.
			w.node(child, &liveChild, values)
			continue
		}
		w.removed(child, next)
	}
}

// removed reports a field that next no longer declares under parent.
func (w *schemaWalk) removed(p schemaPath, parent *apiextensionsv1.JSONSchemaProps) {
	if keepsUndeclared(parent) {
		w.add(FactFieldRemoved, p, "no longer in the schema; kept as an unknown field")
		return
	}
	w.add(FactFieldRemoved, p, "no longer in the schema: pruned from objects")
	w.facts[len(w.facts)-1].AttentionIfUsed = true
}

func (w *schemaWalk) mapValues(p schemaPath, live, next *apiextensionsv1.JSONSchemaProps) {
	liveValues := mapValuesSchema(live)
	if liveValues == nil {
		return
	}
	if nextValues := mapValuesSchema(next); nextValues != nil {
		w.node(p.values(), liveValues, nextValues)
		return
	}
	if !keepsUndeclared(next) {
		w.removed(p.values(), next)
	}
}

func mapValuesSchema(s *apiextensionsv1.JSONSchemaProps) *apiextensionsv1.JSONSchemaProps {
	if s.AdditionalProperties == nil {
		return nil
	}
	return s.AdditionalProperties.Schema
}

func (w *schemaWalk) listItems(p schemaPath, live, next *apiextensionsv1.JSONSchemaProps) {
	if live.Items == nil || live.Items.Schema == nil || next.Items == nil || next.Items.Schema == nil {
		return
	}
	w.node(p.items(), live.Items.Schema, next.Items.Schema)
}

func schemaNames(m map[string]apiextensionsv1.JSONSchemaProps) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	return names
}
