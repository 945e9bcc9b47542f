package conversion

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

func TestEncodeStashAsEncodingJSON(t *testing.T) {
	cases := []struct {
		name string
		s    stash
	}{
		{"fields", stash{V: 1, From: "v1alpha2", To: "v1alpha1", Fields: map[string]any{
			"/spec/b": int64(5), "/spec/a": []any{"x", 1.5}, "/a~1b": map[string]any{"k": nil}}}},
		{"HTML and escapes kept as they are", stash{V: 1, From: "<f>", To: "t&", Fields: map[string]any{"/x": "a<b>&\n\u2028"}}},
		{"no fields", stash{V: 1, Fields: map[string]any{}}},
		{"a value encoding/json writes", stash{V: 1, Fields: map[string]any{"/i": 3}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(c.s); err != nil {
				t.Fatal(err)
			}
			got, err := encodeStash(&c.s)
			if err != nil {
				t.Fatal(err)
			}
			if want := string(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
	if _, err := encodeStash(&stash{V: 1, Fields: map[string]any{"/x": math.NaN()}}); err == nil {
		t.Error("NaN encoded")
	}
}
