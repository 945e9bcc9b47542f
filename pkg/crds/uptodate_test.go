package crds

import (
	"testing"

	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v6/value"
)

func TestHolds(t *testing.T) {
	have := map[string]any{
		"spec": map[string]any{
			"group":    "example.com",
			"versions": []any{map[string]any{"name": "v1", "served": true}, map[string]any{"name": "v2", "served": true}},
			"extra":    "set by the server",
		},
	}
	cases := []struct {
		name string
		want any
		ok   bool
	}{
		{name: "a subset", want: map[string]any{"spec": map[string]any{"group": "example.com"}}, ok: true},
		{name: "lists element by element", want: map[string]any{"spec": map[string]any{"versions": []any{map[string]any{"name": "v1"}, map[string]any{"name": "v2"}}}}, ok: true},
		{name: "a changed value", want: map[string]any{"spec": map[string]any{"group": "other.com"}}},
		{name: "a missing field", want: map[string]any{"spec": map[string]any{"scope": "Namespaced"}}},
		{name: "a list of another length", want: map[string]any{"spec": map[string]any{"versions": []any{map[string]any{"name": "v1"}}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := holds(have, tc.want); got != tc.ok {
				t.Errorf("holds = %v, want %v", got, tc.ok)
			}
		})
	}
	if !holds(map[string]any{"n": int64(3)}, map[string]any{"n": float64(3)}) {
		t.Error("an int64 3 does not hold a float64 3")
	}
}

func TestPathIn(t *testing.T) {
	obj := map[string]any{
		"spec": map[string]any{
			"versions":   []any{map[string]any{"name": "v1", "served": true}},
			"shortNames": []any{"tt"},
		},
	}
	field := fieldpath.PathElement{FieldName: strp("spec")}
	key := fieldpath.PathElement{Key: &value.FieldList{{Name: "name", Value: value.NewValueInterface("v1")}}}
	otherKey := fieldpath.PathElement{Key: &value.FieldList{{Name: "name", Value: value.NewValueInterface("v9")}}}
	set := value.NewValueInterface("tt")
	cases := []struct {
		name string
		path fieldpath.Path
		want bool
	}{
		{name: "a field", path: fieldpath.Path{field}, want: true},
		{name: "a keyed list item", path: fieldpath.Path{field, {FieldName: strp("versions")}, key, {FieldName: strp("served")}}, want: true},
		{name: "a missing keyed item", path: fieldpath.Path{field, {FieldName: strp("versions")}, otherKey}},
		{name: "a set value", path: fieldpath.Path{field, {FieldName: strp("shortNames")}, {Value: &set}}, want: true},
		{name: "a missing field", path: fieldpath.Path{field, {FieldName: strp("scope")}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := pathIn(obj, tc.path); got != tc.want {
				t.Errorf("pathIn(%s) = %v, want %v", tc.path, got, tc.want)
			}
		})
	}
}

func strp(s string) *string { return &s }
