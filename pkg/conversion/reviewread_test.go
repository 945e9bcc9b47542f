package conversion

import (
	"reflect"
	"strings"
	"testing"
)

func TestReadReviewAsEncodingJSON(t *testing.T) {
	obj := `{"apiVersion":"access.smi-spec.io/v1alpha1","kind":"TrafficTarget","metadata":{"name":"a"},"n":[1,2.5]}`
	cases := []struct{ name, body string }{
		{"v1", reviewBody(reviewV1, "u", "access.smi-spec.io/v1alpha3", obj, obj)},
		{"v1beta1", reviewBody(reviewV1beta1, "u", "access.smi-spec.io/v1alpha3", obj)},
		{"no objects", reviewBody(reviewV1, "u", "access.smi-spec.io/v1alpha3")},
		{"keys in the API server's order, spaced", `{ "kind" : "ConversionReview", "apiVersion": "apiextensions.k8s.io/v1",
			"request": { "objects": [ ` + obj + ` ], "desiredAPIVersion": "access.smi-spec.io/v1alpha3", "uid": "u\u00e9" } }`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := readReview(c.body)
			if !ok {
				t.Fatal("not read")
			}
			want, err := decodeReviewSlowly([]byte(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if got.apiVersion != want.apiVersion || got.uid != want.uid || got.desired != want.desired || got.len() != want.len() {
				t.Fatalf("read %+v, encoding/json %+v", got, want)
			}
			for i := range want.len() {
				w, err := want.object(i)
				if err != nil {
					t.Fatal(err)
				}
				if g, _ := got.object(i); !reflect.DeepEqual(g, w) {
					t.Errorf("object %d: read %#v, encoding/json %#v", i, g, w)
				}
			}
		})
	}
}

// TestReadReviewLeavesOddBodies lists bodies readReview must leave to
// encoding/json, valid ones among them: its answer may differ.
func TestReadReviewLeavesOddBodies(t *testing.T) {
	obj := `{"apiVersion":"access.smi-spec.io/v1alpha1","kind":"TrafficTarget"}`
	good := reviewBody(reviewV1, "u", "access.smi-spec.io/v1alpha3", obj)
	cases := []struct{ name, body string }{
		{"key in other case", strings.Replace(good, `"request"`, `"Request"`, 1)},
		{"apiVersion in other case", strings.Replace(good, `"apiVersion":"apiextensions`, `"APIVersion":"apiextensions`, 1)},
		{"uid in other case", strings.Replace(good, `"uid"`, `"UID"`, 1)},
		{"object apiVersion in other case", reviewBody(reviewV1, "u", "access.smi-spec.io/v1alpha3",
			`{"apiVersion":"access.smi-spec.io/v1alpha1","apiversion":"x/v9","kind":"TrafficTarget"}`)},
		{"repeated kind", strings.Replace(good, `"kind":"ConversionReview"`, `"kind":"ConversionReview","kind":"ConversionReview"`, 1)},
		{"repeated request field", strings.Replace(good, `"uid":"u"`, `"uid":"u","uid":"v"`, 1)},
		{"extra key", strings.Replace(good, `{"apiVersion"`, `{"response":{},"apiVersion"`, 1)},
		{"extra request key", strings.Replace(good, `"uid":"u"`, `"uid":"u","x":1`, 1)},
		{"null request", `{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":null}`},
		{"no objects key", `{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview",` +
			`"request":{"uid":"u","desiredAPIVersion":"a/b"}}`},
		{"objects not a list", strings.Replace(good, `"objects":[`+obj+`]`, `"objects":{}`, 1)},
		{"null object", reviewBody(reviewV1, "u", "a/b", "null")},
		{"string object", reviewBody(reviewV1, "u", "a/b", `"text"`)},
		{"uid not a string", strings.Replace(good, `"uid":"u"`, `"uid":5`, 1)},
		{"empty uid", reviewBody(reviewV1, "", "a/b", obj)},
		{"empty desired version", reviewBody(reviewV1, "u", "", obj)},
		{"other kind", strings.Replace(good, `"ConversionReview"`, `"AdmissionReview"`, 1)},
		{"other version", reviewBody("apiextensions.k8s.io/v2", "u", "a/b", obj)},
		{"trailing data", good + "{}"},
		{"number out of range", reviewBody(reviewV1, "u", "a/b", `{"n":1e999}`)},
		{"invalid UTF-8", reviewBody(reviewV1, "u", "a/b", "{\"n\":\"\xff\"}")},
		{"not JSON", good[:len(good)-1]},
		{"not an object", `[]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, ok := readReview(c.body); ok {
				t.Errorf("read %s", c.body)
			}
		})
	}
}
