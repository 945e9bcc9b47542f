package crds

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// FactKind names one kind of compatibility fact.
type FactKind string

// The kinds of compatibility facts Compare reports.
const (
	// FactVersionAdded: the new CRD has a version the live one lacks.
	FactVersionAdded FactKind = "VersionAdded"
	// FactVersionRemoved: the live CRD has a version the new one lacks.
	FactVersionRemoved FactKind = "VersionRemoved"
	// FactVersionDeprecated: a version becomes deprecated.
	FactVersionDeprecated FactKind = "VersionDeprecated"
	// FactVersionUnserved: a served version stops being served.
	FactVersionUnserved FactKind = "VersionUnserved"
	// FactStorageChanged: objects are written in another version from now on.
	FactStorageChanged FactKind = "StorageVersionChanged"
	// FactFieldRemoved: a field is no longer in a version's schema.
	FactFieldRemoved FactKind = "FieldRemoved"
	// FactFieldRequired: a field becomes required.
	FactFieldRequired FactKind = "FieldRequired"
	// FactEnumNarrowed: an enum loses values, or a field gains an enum.
	FactEnumNarrowed FactKind = "EnumNarrowed"
	// FactTypeChanged: a field's type changes.
	FactTypeChanged FactKind = "TypeChanged"
	// FactConstraintTightened: a bound, length, pattern, format or rule
	// may now refuse values it accepted.
	FactConstraintTightened FactKind = "ConstraintTightened"
)

// Fact is one thing an operator checks before an upgrade replaces a CRD.
type Fact struct {
	Kind FactKind `json:"kind"`
	// Version is the CRD version the fact is about; for a storage change,
	// the new storage version.
	Version string `json:"version"`
	// Path locates a schema fact in the version's objects, such as
	// spec.rules[].kind or spec.labels{} (see UsesField); "." is the object
	// itself. Empty for version facts.
	Path string `json:"path,omitempty"`
	// Detail says what changed, in a few words.
	Detail string `json:"detail"`
	// Attention is true when the change may break clients or stored objects
	// whatever they hold.
	Attention bool `json:"attention"`
	// AttentionIfUsed is true when the change needs attention only if stored
	// objects hold a value at Path (a field that would be pruned): the caller
	// checks them, with UsesField, and sets Attention.
	AttentionIfUsed bool `json:"attentionIfUsed,omitempty"`
}

// String renders the fact on one line.
func (f Fact) String() string {
	if f.Path == "" {
		return fmt.Sprintf("%s %s: %s", f.Version, f.Kind, f.Detail)
	}
	return fmt.Sprintf("%s %s %s: %s", f.Version, f.Kind, f.Path, f.Detail)
}

// attentionByDefault lists the kinds that need attention whatever stored
// objects hold. A removed field depends on them; a type change that only
// widens the accepted values does not count.
var attentionByDefault = map[FactKind]bool{
	FactVersionRemoved:      true,
	FactStorageChanged:      true,
	FactFieldRequired:       true,
	FactEnumNarrowed:        true,
	FactTypeChanged:         true,
	FactConstraintTightened: true,
}

// Compare returns the compatibility facts of replacing the live CRD with
// next, sorted by version, path, kind and detail. A nil live CRD is a
// create: every version is added. Versions are compared by name; a version
// on one side only gives a version fact, never schema facts, and a version
// next neither serves nor stores gives no schema facts either. Descriptions
// never count, and neither do additions that accept more (a new optional
// field, an enum value added, a bound removed).
func Compare(live, next *apiextensionsv1.CustomResourceDefinition) []Fact {
	if next == nil {
		return nil
	}
	var facts []Fact
	liveVersions := compatVersions(live)
	nextVersions := compatVersions(next)
	for _, nv := range next.Spec.Versions {
		lv, ok := liveVersions[nv.Name]
		if !ok {
			facts = append(facts, versionAdded(nv))
			continue
		}
		facts = append(facts, versionFacts(lv, nv)...)
	}
	if live != nil {
		for _, lv := range live.Spec.Versions {
			if _, ok := nextVersions[lv.Name]; !ok {
				facts = append(facts, newFact(FactVersionRemoved, lv.Name, "", "no longer in the CRD"))
			}
		}
		facts = append(facts, storageFacts(live, next)...)
	}
	sortFacts(facts)
	return facts
}

// newFact returns a fact with its kind's default attention.
func newFact(kind FactKind, version, path, detail string) Fact {
	return Fact{
		Kind: kind, Version: version, Path: path, Detail: detail,
		Attention: attentionByDefault[kind],
	}
}

// compatVersions indexes a CRD's versions by name; a nil CRD has none.
func compatVersions(
	crd *apiextensionsv1.CustomResourceDefinition,
) map[string]apiextensionsv1.CustomResourceDefinitionVersion {
	out := map[string]apiextensionsv1.CustomResourceDefinitionVersion{}
	if crd == nil {
		return out
	}
	for _, v := range crd.Spec.Versions {
		out[v.Name] = v
	}
	return out
}

func versionAdded(v apiextensionsv1.CustomResourceDefinitionVersion) Fact {
	detail := "new version, not served"
	if v.Served {
		detail = "new version, served"
	}
	return newFact(FactVersionAdded, v.Name, "", detail)
}

// versionFacts compares one version present on both sides.
func versionFacts(live, next apiextensionsv1.CustomResourceDefinitionVersion) []Fact {
	var facts []Fact
	if next.Deprecated && !live.Deprecated {
		detail := "deprecated"
		if next.DeprecationWarning != nil && *next.DeprecationWarning != "" {
			detail = "deprecated: " + *next.DeprecationWarning
		}
		facts = append(facts, newFact(FactVersionDeprecated, next.Name, "", detail))
	}
	if live.Served && !next.Served {
		facts = append(facts, newFact(FactVersionUnserved, next.Name, "", "no longer served"))
	}
	if !next.Served && !next.Storage {
		// No request reads or writes this version: its schema applies to nothing.
		return facts
	}
	w := &schemaWalk{version: next.Name}
	w.node(nil, openAPISchema(live.Schema), openAPISchema(next.Schema))
	return append(facts, w.facts...)
}

func openAPISchema(v *apiextensionsv1.CustomResourceValidation) *apiextensionsv1.JSONSchemaProps {
	if v == nil || v.OpenAPIV3Schema == nil {
		return &apiextensionsv1.JSONSchemaProps{}
	}
	return v.OpenAPIV3Schema
}

// storageFacts reports a change of storage version. A CRD without exactly
// one storage version is invalid and reported by validation instead.
func storageFacts(live, next *apiextensionsv1.CustomResourceDefinition) []Fact {
	from, err := StorageVersion(live)
	if err != nil {
		return nil
	}
	to, err := StorageVersion(next)
	if err != nil || from == to {
		return nil
	}
	detail := fmt.Sprintf("storage version %s -> %s", from, to)
	return []Fact{newFact(FactStorageChanged, to, "", detail)}
}

// tightened reports the constraints of next that may refuse values live
// accepted. Bounds count only on the types they apply to: the validator
// ignores a minimum on a string, for instance.
func (w *schemaWalk) tightened(p schemaPath, live, next *apiextensionsv1.JSONSchemaProps) {
	t := typeOf(next)
	applies := func(types ...string) bool { return t == "any" || slices.Contains(types, t) }
	var found []string
	if applies("integer", "number", "int-or-string") {
		found = append(found,
			bound("minimum", live.Minimum, next.Minimum, greater),
			madeExclusive("minimum", live.Minimum, next.Minimum, live.ExclusiveMinimum, next.ExclusiveMinimum),
			bound("maximum", live.Maximum, next.Maximum, less),
			madeExclusive("maximum", live.Maximum, next.Maximum, live.ExclusiveMaximum, next.ExclusiveMaximum),
			multipleOf(live.MultipleOf, next.MultipleOf))
	}
	if applies("string", "int-or-string") {
		found = append(found,
			intBound("minLength", live.MinLength, next.MinLength, greater),
			intBound("maxLength", live.MaxLength, next.MaxLength, less),
			changedText("pattern", live.Pattern, next.Pattern))
	}
	if applies("array") {
		found = append(found,
			intBound("minItems", live.MinItems, next.MinItems, greater),
			intBound("maxItems", live.MaxItems, next.MaxItems, less),
			listTypeTightened(live, next))
		if next.UniqueItems && !live.UniqueItems {
			found = append(found, "items must be unique")
		}
	}
	if applies("object") {
		found = append(found,
			intBound("minProperties", live.MinProperties, next.MinProperties, greater),
			intBound("maxProperties", live.MaxProperties, next.MaxProperties, less))
	}
	found = append(found, changedText("format", live.Format, next.Format))
	if live.Nullable && !next.Nullable {
		found = append(found, "no longer nullable")
	}
	found = append(found, rulesAdded(live.XValidations, next.XValidations)...)
	found = append(found, combinatorsChanged(live, next)...)
	for _, detail := range found {
		if detail != "" {
			w.add(FactConstraintTightened, p, "%s", detail)
		}
	}
}

func greater(next, live float64) bool { return next > live }
func less(next, live float64) bool    { return next < live }

// bound describes a bound that next adds or makes stricter than live's, or
// returns "". stricter tells whether next's value is stricter than live's.
func bound(name string, live, next *float64, stricter func(next, live float64) bool) string {
	switch {
	case next == nil:
		return ""
	case live == nil:
		return fmt.Sprintf("%s added: %s", name, formatNumber(*next))
	case stricter(*next, *live):
		return fmt.Sprintf("%s %s -> %s", name, formatNumber(*live), formatNumber(*next))
	}
	return ""
}

func intBound(name string, live, next *int64, stricter func(next, live float64) bool) string {
	return bound(name, asFloat(live), asFloat(next), stricter)
}

// madeExclusive describes a bound kept at its value but made exclusive.
func madeExclusive(name string, live, next *float64, liveExclusive, nextExclusive bool) string {
	if live == nil || next == nil || *live != *next || liveExclusive || !nextExclusive {
		return ""
	}
	return fmt.Sprintf("%s %s made exclusive", name, formatNumber(*next))
}

// multipleOf describes a new or stricter multipleOf, or returns "". A
// divisor of the old one is looser: every multiple of 4 is one of 2.
func multipleOf(live, next *float64) string {
	switch {
	case next == nil:
		return ""
	case live == nil:
		return "multipleOf added: " + formatNumber(*next)
	case *next != 0 && math.Mod(*live, *next) != 0:
		return fmt.Sprintf("multipleOf %s -> %s", formatNumber(*live), formatNumber(*next))
	}
	return ""
}

func asFloat(v *int64) *float64 {
	if v == nil {
		return nil
	}
	f := float64(*v)
	return &f
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// changedText describes a pattern or format that next adds or changes. A
// changed one may accept less or more; it is reported either way.
func changedText(name, live, next string) string {
	switch {
	case next == "" || next == live:
		return ""
	case live == "":
		return fmt.Sprintf("%s added: %s", name, next)
	}
	return fmt.Sprintf("%s %s -> %s", name, live, next)
}

// listTypeTightened describes a list that becomes a set or a map, or a
// map keyed differently: both refuse duplicates an atomic list accepts.
func listTypeTightened(live, next *apiextensionsv1.JSONSchemaProps) string {
	from, to := describeListType(live), describeListType(next)
	if from == to || to == "atomic" {
		return ""
	}
	return fmt.Sprintf("list type %s -> %s", from, to)
}

func describeListType(s *apiextensionsv1.JSONSchemaProps) string {
	switch {
	case s.XListType == nil || *s.XListType == "atomic":
		return "atomic"
	case *s.XListType == "map":
		return "map keyed by " + strings.Join(sortedUnique(s.XListMapKeys), ",")
	}
	return *s.XListType
}

// rulesAdded describes the CEL rules next has and live lacks.
func rulesAdded(live, next apiextensionsv1.ValidationRules) []string {
	had := map[string]bool{}
	for _, r := range live {
		had[r.Rule] = true
	}
	var out []string
	for _, r := range next {
		if !had[r.Rule] {
			out = append(out, "validation rule added: "+r.Rule)
		}
	}
	return out
}

// combinatorsChanged reports allOf, anyOf, oneOf and not that next sets
// differently from live. Whether the change accepts less is not worked out.
func combinatorsChanged(live, next *apiextensionsv1.JSONSchemaProps) []string {
	var out []string
	lists := []struct {
		name       string
		live, next []apiextensionsv1.JSONSchemaProps
	}{
		{"allOf", live.AllOf, next.AllOf},
		{"anyOf", live.AnyOf, next.AnyOf},
		{"oneOf", live.OneOf, next.OneOf},
	}
	for _, l := range lists {
		if len(l.next) > 0 && !schemaListsEqual(l.live, l.next) {
			out = append(out, l.name+" changed")
		}
	}
	if next.Not != nil && !SchemasEqual(live.Not, next.Not) {
		out = append(out, "not changed")
	}
	return out
}

func schemaListsEqual(a, b []apiextensionsv1.JSONSchemaProps) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !SchemasEqual(&a[i], &b[i]) {
			return false
		}
	}
	return true
}

func sortFacts(facts []Fact) {
	sort.Slice(facts, func(i, j int) bool {
		a, b := facts[i], facts[j]
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Detail < b.Detail
	})
}
