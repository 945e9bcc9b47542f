package conversion

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// bigMatches returns TrafficSplit matches whose names add up to about n
// bytes.
func bigMatches(n int) []any {
	var out []any
	for i := 0; n > 0; i++ {
		name := fmt.Sprintf("%04d-%s", i, strings.Repeat("m", 990))
		out = append(out, map[string]any{"kind": "HTTPRouteGroup", "name": name})
		n -= len(name)
	}
	return out
}

func TestStashSizeBound(t *testing.T) {
	cases := []struct {
		name string
		// matches is about how many bytes the stash takes.
		matches int
		// other is the size of another annotation.
		other int
		fails bool
	}{
		{"a stash well under the bound", 100 << 10, 0, false},
		{"a stash over the bound", maxAnnotationBytes + 1, 0, true},
		{"a stash that fits only without the other annotations", 200 << 10, 100 << 10, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			obj := corpusObject(t, trafficSplitCRD, "v1alpha4")
			obj["spec"].(map[string]any)["matches"] = bigMatches(c.matches)
			if c.other > 0 {
				obj["metadata"].(map[string]any)["annotations"] = map[string]any{"other": strings.Repeat("o", c.other)}
			}
			_, err := testRegistry(t).Convert(trafficSplitCRD, obj, "split.smi-spec.io/v1alpha2")
			if c.fails != errors.Is(err, ErrStashTooLarge) {
				t.Fatalf("got %v, want ErrStashTooLarge: %v", err, c.fails)
			}
			if c.fails && !strings.Contains(err.Error(), "osm-system/bookstore-split-v1alpha4") {
				t.Errorf("error does not name the object: %v", err)
			}
		})
	}
}

func TestBadStash(t *testing.T) {
	cases := []struct{ name, stash string }{
		{"not JSON", `{"v":1,`},
		{"another format", `{"v":2,"from":"v1alpha4","to":"v1alpha2","fields":{}}`},
		{"an unknown field", `{"v":1,"from":"v1alpha4","to":"v1alpha2","fields":{},"extra":1}`},
		{"a path that is not a pointer", `{"v":1,"from":"v1alpha4","to":"v1alpha2","fields":{"spec":1}}`},
		{"the root as a path", `{"v":1,"from":"v1alpha4","to":"v1alpha2","fields":{"":1}}`},
		{"a path into metadata", `{"v":1,"from":"v1alpha4","to":"v1alpha2","fields":{"/metadata/labels/x":"y"}}`},
		{"data after the document", `{"v":1,"from":"v1alpha4","to":"v1alpha2","fields":{}} {}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			obj := trafficSplit("v1alpha2", map[string]any{"name": "split", "annotations": map[string]any{StashAnnotation: c.stash}})
			_, err := testRegistry(t).Convert(trafficSplitCRD, obj, "split.smi-spec.io/v1alpha4")
			if !errors.Is(err, ErrBadStash) {
				t.Errorf("got %v, want ErrBadStash", err)
			}
		})
	}
}

// TestStashOfAnotherVersionIsDropped: a stash copied onto an object of
// another version describes another shape; it is removed, not restored.
func TestStashOfAnotherVersionIsDropped(t *testing.T) {
	stash := `{"v":1,"from":"v1alpha4","to":"v1alpha3","fields":{"/spec/matches":[{"kind":"HTTPRouteGroup","name":"x"}]}}`
	obj := trafficSplit("v1alpha2", map[string]any{"name": "split", "annotations": map[string]any{StashAnnotation: stash}})
	got := mustConvert(t, trafficSplitCRD, obj, "split.smi-spec.io/v1alpha4")
	assertJSONEqual(t, "converted", trafficSplit("v1alpha4", map[string]any{"name": "split"}), got)
}

func TestRestoreFillsOnlyWhatIsMissing(t *testing.T) {
	cases := []struct {
		name    string
		obj     string
		entries map[string]any
		want    string
	}{
		{"an absent field is set", `{"a":{}}`, map[string]any{"/a/b": "x"}, `{"a":{"b":"x"}}`},
		{"a present field wins", `{"a":{"b":"edited"}}`, map[string]any{"/a/b": "x"}, `{"a":{"b":"edited"}}`},
		{"a present null wins", `{"a":{"b":null}}`, map[string]any{"/a/b": "x"}, `{"a":{"b":null}}`},
		{"a removed parent drops the value", `{}`, map[string]any{"/a/b": "x"}, `{}`},
		{"a parent that is no object drops the value", `{"a":"s"}`, map[string]any{"/a/b": "x"}, `{"a":"s"}`},
		{"a field of a removed list item is dropped", `{"l":[{}]}`, map[string]any{"/l/3/b": "x"}, `{"l":[{}]}`},
		{
			"list items go back to their indices, before fields of later items",
			`{"l":[{"n":0},{"n":2},{"n":4}]}`,
			map[string]any{"/l/1": "one", "/l/3": "three", "/l/4/x": "y"},
			`{"l":[{"n":0},"one",{"n":2},"three",{"n":4,"x":"y"}]}`,
		},
		{"an item goes at the end of a shortened list", `{"l":["a"]}`, map[string]any{"/l/5": "z"}, `{"l":["a","z"]}`},
		{"keys with / and ~", `{"a/b":{}}`, map[string]any{"/a~1b/c~0d": 1}, `{"a/b":{"c~d":1}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			obj := parseObject(t, []byte(c.obj))
			s := &stash{Fields: c.entries}
			entries, err := s.entries()
			if err != nil {
				t.Fatal(err)
			}
			restore(obj, entries)
			assertJSONEqual(t, "restored", parseObject(t, []byte(c.want)), obj)
		})
	}
}

func TestPointers(t *testing.T) {
	cases := []struct {
		pointer string
		path    path
	}{
		{"/spec/rules/0/kind", path{"spec", "rules", "0", "kind"}},
		{"/a~1b/c~0d/~01", path{"a/b", "c~d", "~1"}},
		{"/", path{""}},
	}
	for _, c := range cases {
		t.Run(c.pointer, func(t *testing.T) {
			if got := c.path.String(); got != c.pointer {
				t.Errorf("String: got %q, want %q", got, c.pointer)
			}
			got, err := parsePointer(c.pointer)
			if err != nil || got.String() != c.pointer || len(got) != len(c.path) {
				t.Errorf("parsePointer: got %q, %v", got, err)
			}
		})
	}
}
