package conversion

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/randfill"

	accessv1alpha1 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/access/v1alpha1"
	accessv1alpha2 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/access/v1alpha2"
	accessv1alpha3 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/access/v1alpha3"
	configv1alpha1 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/config/v1alpha1"
	configv1alpha2 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/config/v1alpha2"
	specsv1alpha1 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/specs/v1alpha1"
	specsv1alpha2 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/specs/v1alpha2"
	specsv1alpha3 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/specs/v1alpha3"
	specsv1alpha4 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/specs/v1alpha4"
	splitv1alpha2 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/split/v1alpha2"
	splitv1alpha3 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/split/v1alpha3"
	splitv1alpha4 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/split/v1alpha4"
)

// typedRoots returns, per multi-version CRD and version, a new empty root
// object of the version's Go type in pkg/apis, for the generator to fill.
var typedRoots = map[string]map[string]func() any{
	meshConfigCRD: {
		"v1alpha1": func() any { return &configv1alpha1.MeshConfig{} },
		"v1alpha2": func() any { return &configv1alpha2.MeshConfig{} },
	},
	trafficTargetCRD: {
		"v1alpha1": func() any { return &accessv1alpha1.TrafficTarget{} },
		"v1alpha2": func() any { return &accessv1alpha2.TrafficTarget{} },
		"v1alpha3": func() any { return &accessv1alpha3.TrafficTarget{} },
	},
	httpRouteGroupCRD: {
		"v1alpha1": func() any { return &specsv1alpha1.HTTPRouteGroup{} },
		"v1alpha2": func() any { return &specsv1alpha2.HTTPRouteGroup{} },
		"v1alpha3": func() any { return &specsv1alpha3.HTTPRouteGroup{} },
		"v1alpha4": func() any { return &specsv1alpha4.HTTPRouteGroup{} },
	},
	trafficSplitCRD: {
		"v1alpha2": func() any { return &splitv1alpha2.TrafficSplit{} },
		"v1alpha3": func() any { return &splitv1alpha3.TrafficSplit{} },
		"v1alpha4": func() any { return &splitv1alpha4.TrafficSplit{} },
	},
}

// generatorNilChance is how often the generator leaves a pointer, slice or
// map out: often enough that optional fields go missing, rarely enough
// that most objects keep every field their version requires.
const generatorNilChance = 0.1

// newFiller returns a filler of the pkg/apis types drawing from r, leaving
// a pointer, slice or map out at the chance nilChance, with
// values the API server can decode: JSON numbers that are numbers, JSON
// values that are JSON, and metadata as a client sends it.
func newFiller(r *rand.Rand, nilChance float64) *randfill.Filler {
	return randfill.New().RandSource(r).NilChance(nilChance).NumElements(1, 3).Funcs(
		func(s *string, c randfill.Continue) { *s = randomString(c.Rand) },
		func(n *int, c randfill.Continue) { *n = c.Intn(70000) - 100 },
		func(n *json.Number, c randfill.Continue) { *n = randomNumber(c.Rand) },
		func(j *apiextensionsv1.JSON, c randfill.Continue) { j.Raw = randomJSON(c.Rand) },
		func(*metav1.TypeMeta, randfill.Continue) {},
		func(m *metav1.ObjectMeta, c randfill.Continue) { *m = randomMeta(c) },
	)
}

// randomRunes are what generated strings are made of: plain ASCII, and
// characters JSON, JSON pointers or UTF-8 treat specially.
var randomRunes = []rune("abcdefghijklmnopqrstuvwxyz0123456789-._/~\"\\<> é中\U0001F600")

// randomString returns 1 to 12 random runes, mostly letters.
func randomString(r *rand.Rand) string {
	var b strings.Builder
	for range 1 + r.Intn(12) {
		if r.Intn(4) == 0 {
			b.WriteRune(randomRunes[r.Intn(len(randomRunes))])
			continue
		}
		b.WriteByte(byte('a' + r.Intn(26)))
	}
	return b.String()
}

// randomNumber returns an integer, now and then a fraction: valid where the
// schema says number, rejected where it says integer.
func randomNumber(r *rand.Rand) json.Number {
	if r.Intn(5) == 0 {
		return json.Number(strconv.FormatFloat(float64(r.Intn(1000))+0.5, 'f', -1, 64))
	}
	return json.Number(strconv.Itoa(r.Intn(65536)))
}

// randomJSON returns a JSON value such as a resource quantity holds.
func randomJSON(r *rand.Rand) []byte {
	values := []string{`"100m"`, `"1Gi"`, `1`, `2.5`, `"128974848"`, `"5e3"`}
	return []byte(values[r.Intn(len(values))])
}

// randomMeta returns metadata as a client writes it and the API server
// keeps it: name, namespace, uid, labels and annotations.
func randomMeta(c randfill.Continue) metav1.ObjectMeta {
	m := metav1.ObjectMeta{
		Name:            fmt.Sprintf("gen-%d", c.Intn(1e6)),
		Namespace:       "ns-" + strconv.Itoa(c.Intn(10)),
		UID:             types.UID(fmt.Sprintf("%08x-0000-4000-8000-%012x", c.Uint32(), c.Int63n(1<<48))),
		ResourceVersion: strconv.Itoa(1 + c.Intn(1e6)),
		Generation:      int64(1 + c.Intn(10)),
	}
	for range c.Intn(3) {
		if m.Labels == nil {
			m.Labels = map[string]string{}
		}
		m.Labels["example.com/l"+strconv.Itoa(c.Intn(100))] = randomString(c.Rand)
	}
	for range c.Intn(3) {
		if m.Annotations == nil {
			m.Annotations = map[string]string{}
		}
		m.Annotations["example.com/a"+strconv.Itoa(c.Intn(100))] = randomString(c.Rand)
	}
	return m
}

// generate fills the Go type of a version of crd from r and returns it as
// the API server would decode it, with the values the version's schema
// constrains (enums, bounds, patterns) brought within the constraints. A
// required field the filler left out is taken from a second object filled
// without leaving anything out.
func generate(t testing.TB, r *rand.Rand, crd, version string) map[string]any {
	t.Helper()
	seed := r.Int63()
	obj := fillTyped(t, newFiller(r, generatorNilChance), crd, version)
	full := fillTyped(t, newFiller(rand.New(rand.NewSource(seed)), 0), crd, version)
	conform(obj, full, schemaOf(t, crd, version).structural, r)
	return obj
}

// fillTyped fills a new root object of the version's Go type and decodes
// its JSON as the API server would.
func fillTyped(t testing.TB, f *randfill.Filler, crd, version string) map[string]any {
	t.Helper()
	typed := typedRoots[crd][version]()
	f.Fill(typed)
	data, err := json.Marshal(typed)
	if err != nil {
		t.Fatalf("marshal generated %s %s: %v", crd, version, err)
	}
	var obj map[string]any
	if err := utiljson.Unmarshal(data, &obj); err != nil {
		t.Fatalf("decode generated %s %s: %v", crd, version, err)
	}
	obj["apiVersion"] = testCRD(t, crd).Spec.Group + "/" + version
	obj["kind"] = testCRD(t, crd).Spec.Names.Kind
	return obj
}

// conform changes, in place, the values of v that s's own checks would
// refuse into ones they accept, and returns v: a required key that v
// lacks or holds null at comes from full (the same type filled without
// leaving anything out), a null list item becomes an empty value of its
// type. It leaves what it cannot mend (a pattern it has no value for):
// the caller counts the objects the schema still rejects.
func conform(v, full any, s *structuralschema.Structural, r *rand.Rand) any {
	if s == nil {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		conformObject(x, full, s, r)
		return x
	case []any:
		fullList, _ := full.([]any)
		for i := range x {
			if x[i] == nil && !s.Items.Nullable {
				x[i] = emptyOf(s.Items.Type)
			}
			x[i] = conform(x[i], itemOf(fullList, i), s.Items, r)
		}
		return x
	}
	if s.ValueValidation == nil {
		return v
	}
	return conformScalar(v, s.ValueValidation, r)
}

func conformObject(x map[string]any, full any, s *structuralschema.Structural, r *rand.Rand) {
	fullObj, _ := full.(map[string]any)
	if s.ValueValidation != nil {
		for _, k := range s.ValueValidation.Required {
			if x[k] == nil && fullObj[k] != nil {
				x[k] = runtime.DeepCopyJSONValue(fullObj[k])
			}
		}
	}
	for k, child := range x {
		if p, ok := s.Properties[k]; ok {
			x[k] = conform(child, fullObj[k], &p, r)
		} else if s.AdditionalProperties != nil && s.AdditionalProperties.Structural != nil {
			x[k] = conform(child, fullObj[k], s.AdditionalProperties.Structural, r)
		}
	}
}

// itemOf returns item i of list, or its last when it is shorter.
func itemOf(list []any, i int) any {
	if len(list) == 0 {
		return nil
	}
	return list[min(i, len(list)-1)]
}

// emptyOf returns the empty value of a JSON type.
func emptyOf(typ string) any {
	switch typ {
	case "object":
		return map[string]any{}
	case "array":
		return []any{}
	case "string":
		return ""
	}
	return int64(0)
}

func conformScalar(v any, vv *structuralschema.ValueValidation, r *rand.Rand) any {
	if len(vv.Enum) > 0 && !slices.ContainsFunc(vv.Enum, func(e structuralschema.JSON) bool { return sameJSON(e.Object, v) }) {
		return vv.Enum[r.Intn(len(vv.Enum))].Object
	}
	if s, ok := v.(string); ok && vv.Pattern != "" {
		return matching(s, vv.Pattern, r)
	}
	if n, ok := v.(int64); ok {
		return clamp(n, vv, r)
	}
	return v
}

// patternValues make values for the patterns of the bundle's schemas.
var patternValues = []func(r *rand.Rand) string{
	func(r *rand.Rand) string {
		return fmt.Sprintf("%d.%d.%d.%d/%d", r.Intn(256), r.Intn(256), r.Intn(256), r.Intn(256), r.Intn(33))
	},
}

// matching returns s if it matches pattern, else a value of patternValues
// that does, else s.
func matching(s, pattern string, r *rand.Rand) string {
	re := regexp.MustCompile(pattern)
	if re.MatchString(s) {
		return s
	}
	for _, value := range patternValues {
		if v := value(r); re.MatchString(v) {
			return v
		}
	}
	return s
}

// clamp returns n, or a random integer within the bounds when n is out of
// them.
func clamp(n int64, vv *structuralschema.ValueValidation, r *rand.Rand) int64 {
	lo, hi := int64(-1<<20), int64(1<<20)
	if vv.Minimum == nil && vv.Maximum == nil {
		return n
	}
	if vv.Minimum != nil {
		lo = int64(*vv.Minimum)
	}
	if vv.Maximum != nil {
		hi = int64(*vv.Maximum)
	}
	if n >= lo && n <= hi {
		return n
	}
	return lo + r.Int63n(hi-lo+1)
}
