package crds

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// specDiff compares the spec, labels and annotations of two CRDs, path by
// flattened path, sorted.
func specDiff(live, after *apiextensionsv1.CustomResourceDefinition) (*Diff, error) {
	from, err := flatCRD(live)
	if err != nil {
		return nil, err
	}
	to, err := flatCRD(after)
	if err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(to))
	for path := range to {
		paths = append(paths, path)
	}
	for path := range from {
		if _, ok := to[path]; !ok {
			paths = append(paths, path)
		}
	}
	sort.Strings(paths)

	d := &Diff{}
	for _, path := range paths {
		line, changed := diffLine(path, from, to)
		switch {
		case !changed:
		case strings.HasSuffix(path, ".description"):
			d.Descriptions++
		case len(d.Lines) == maxDiffLines:
			d.Omitted++
		default:
			d.Lines = append(d.Lines, line)
		}
	}
	return d, nil
}

func diffLine(path string, from, to map[string]string) (DiffLine, bool) {
	old, had := from[path]
	now, has := to[path]
	switch {
	case !had:
		return DiffLine{Op: DiffAdded, Path: path, To: cut(now)}, true
	case !has:
		return DiffLine{Op: DiffRemoved, Path: path, From: cut(old)}, true
	case old != now:
		return DiffLine{Op: DiffChanged, Path: path, From: cut(old), To: cut(now)}, true
	}
	return DiffLine{}, false
}

// cut shortens a value to maxDiffValue characters.
func cut(s string) string {
	if utf8.RuneCountInString(s) <= maxDiffValue {
		return s
	}
	runes := []rune(s)
	return string(runes[:maxDiffValue-3]) + "..."
}

// flatCRD flattens what apply owns of a CRD into path: JSON value pairs.
func flatCRD(crd *apiextensionsv1.CustomResourceDefinition) (map[string]string, error) {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(crd)
	if err != nil {
		return nil, fmt.Errorf("encode CRD %s: %w", crd.Name, err)
	}
	meta, _ := obj["metadata"].(map[string]any)
	view := map[string]any{"spec": obj["spec"]}
	owned := map[string]any{}
	for _, k := range []string{"labels", "annotations"} {
		if v, ok := meta[k]; ok {
			owned[k] = v
		}
	}
	if len(owned) > 0 {
		view["metadata"] = owned
	}
	out := map[string]string{}
	flatten("", view, out)
	return out, nil
}

// flatten writes a leaf per scalar, per list of scalars and per empty map
// or list. Items of a list of named maps are keyed by name, as in
// versions[v1alpha3]; other items by index.
func flatten(path string, v any, out map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			out[path] = "{}"
		}
		for k, child := range t {
			flatten(joinField(path, k), child, out)
		}
	case []any:
		keys, ok := itemKeys(t)
		if !ok {
			out[path] = jsonText(t)
			return
		}
		for i, item := range t {
			flatten(path+"["+keys[i]+"]", item, out)
		}
	default:
		out[path] = jsonText(t)
	}
}

// itemKeys returns the keys of a list's items: their unique names, or
// their indexes. It fails for a list holding a scalar or an empty list,
// which is flattened as one value.
func itemKeys(list []any) ([]string, bool) {
	if len(list) == 0 {
		return nil, false
	}
	names, indexes := make([]string, len(list)), make([]string, len(list))
	seen := map[string]bool{}
	named := true
	for i, item := range list {
		m, isMap := item.(map[string]any)
		if !isMap {
			return nil, false
		}
		name, _ := m["name"].(string)
		named = named && name != "" && !seen[name]
		seen[name] = true
		names[i], indexes[i] = name, strconv.Itoa(i)
	}
	if named {
		return names, true
	}
	return indexes, true
}

func joinField(path, name string) string {
	if !plainFieldName(name) {
		return path + "[" + strconv.Quote(name) + "]"
	}
	if path == "" {
		return name
	}
	return path + "." + name
}

// jsonText encodes a value as JSON, leaving <, > and & as they are.
func jsonText(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
