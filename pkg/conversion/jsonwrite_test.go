package conversion

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// checkWriteAsEncodingJSON checks that jsonWriter writes v as json.Marshal
// does and, without HTML escaping, as a json.Encoder does.
func checkWriteAsEncodingJSON(t *testing.T, v any) {
	t.Helper()
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal(%#v): %v", v, err)
	}
	var plain bytes.Buffer
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		escapeHTML bool
		want       string
	}{{true, string(want)}, {false, strings.TrimSuffix(plain.String(), "\n")}} {
		w := getWriter(c.escapeHTML)
		if !w.value(v) {
			t.Fatalf("%#v: not written", v)
		}
		if got := string(w.b); got != c.want {
			t.Errorf("escapeHTML %v:\ngot  %s\nwant %s", c.escapeHTML, got, c.want)
		}
		w.release()
	}
}

func TestJSONWriterAsEncodingJSON(t *testing.T) {
	cases := []struct {
		name string
		v    any
	}{
		{"null", nil},
		{"booleans", []any{true, false}},
		{"integers", []any{int64(0), int64(-1), int64(math.MaxInt64), int64(math.MinInt64)}},
		{"floats", []any{0.0, math.Copysign(0, -1), 0.1, -2.5, 1e20, 1e21, 1e-6, 1e-7, 123456.789e-30, math.MaxFloat64,
			math.SmallestNonzeroFloat64, 5e-324, 1.5e300}},
		{"whole floats", []any{1.0, 100.0, 1e6}},
		{"sorted keys", map[string]any{"b": 1.0, "a": int64(2), "": "x", "B": nil, "ä": true, "a\x00": "y"}},
		{"nested", map[string]any{"m": map[string]any{"z": []any{map[string]any{}, []any{}}, "y": "s"}}},
		{"nil map and list", map[string]any{"m": map[string]any(nil), "l": []any(nil)}},
		{"escapes", "q\" b\\ s/ \b\f\n\r\t \x00\x01\x1f\x7f"},
		{"HTML", "<a href='x'>&amp;</a>"},
		{"line and paragraph separators", "a\u2028b\u2029c"},
		{"invalid UTF-8", "a\xffb\xc3(c\xed\xa0\x80"},
		{"unicode", "élan 😀 \ufffd"},
		{"keys escaped", map[string]any{"<k>": 1.0, "a\"b": 2.0, "\xff": 3.0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkWriteAsEncodingJSON(t, c.v)
		})
	}
}

func TestJSONWriterLeavesOtherValues(t *testing.T) {
	cases := []struct {
		name string
		v    any
	}{
		{"NaN", math.NaN()},
		{"infinity", map[string]any{"a": math.Inf(-1)}},
		{"int", []any{1}},
		{"json.Number", json.Number("1")},
		{"typed map", map[string]string{"a": "b"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := getWriter(true)
			defer w.release()
			if w.value(c.v) {
				t.Errorf("wrote %#v as %s; encoding/json must decide", c.v, w.b)
			}
			if len(w.keys) != 0 {
				t.Errorf("key stack left with %q", w.keys)
			}
		})
	}
}

// FuzzJSONWriter writes what utiljson decodes from arbitrary bytes: the
// bytes of encoding/json.
func FuzzJSONWriter(f *testing.F) {
	for _, seed := range []string{`{"b":[1,-2.5e3,"x<\u00e9>",true,null,{}],"a":1e-7}`, "\"\xff\u2028\"", `[1e21,0.000001]`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var v any
		if utiljson.Unmarshal([]byte(text), &v) != nil {
			return
		}
		checkWriteAsEncodingJSON(t, v)
	})
}
