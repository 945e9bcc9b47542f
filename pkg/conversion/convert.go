package conversion

import (
	"reflect"
	"slices"
)

// kind converts the objects of one CRD.
type kind struct {
	group, kind string
	versions    map[string]*version
}

// version is one version of a CRD.
type version struct {
	name string
	// apiVersion is <group>/<name>, built once.
	apiVersion string
	schema     *node
	// shape leads to the storage version's shape; empty for the storage
	// version and the versions of its shape.
	shape shape
}

// convert turns obj from version from into version to, in place. It runs
// through the storage version's shape, so each version needs only its own
// way up and down, and the target's schema alone decides what is stashed:
//
//  1. The stash, if obj has one for its version, goes back in: obj now
//     holds everything it held in the version it came from.
//  2. The fields move up to the storage version's shape, then down to the
//     target's.
//  3. What the target's schema would prune or reject is removed and
//     stashed, except fields the target lacks that hold the source's
//     default there. A value the source's schema rejects too stays.
//
// A value a version cannot hold thus travels through any number of
// conversions, and a version that can hold it again gets it back.
func (k *kind) convert(obj map[string]any, from, to *version) error {
	entries, err := takeStash(obj, from.name)
	if err != nil {
		return err
	}
	restore(obj, entries)

	if err := from.shape.up(obj); err != nil {
		return err
	}
	if err := to.shape.down(obj); err != nil {
		return err
	}

	removals := fit(to.schema, obj, rejectedBySource(from, to))
	kept := worthKeeping(removals, from, to)
	removeAll(obj, removals)
	if err := putStash(obj, from.name, to.name, kept); err != nil {
		return err
	}
	obj["apiVersion"] = to.apiVersion
	return nil
}

// worthKeeping returns the removals to stash. A field the target lacks
// that holds its schema default in the source is not stashed: the API
// server fills it in again when the object comes back (it defaults every
// object it reads and every request body), and stashing it would put an
// annotation on every object read in an older version.
func worthKeeping(removals []removal, from, to *version) []entry {
	out := make([]entry, 0, len(removals))
	for _, r := range removals {
		if r.unknown && holdsDefault(r, from, to) {
			continue
		}
		out = append(out, entry{at: r.at, value: r.value})
	}
	return out
}

// holdsDefault reports whether r's value is the source schema's default at
// the place r came from.
func holdsDefault(r removal, from, to *version) bool {
	n := from.schema.lookup(sourcePath(r.at, from, to))
	return n != nil && n.hasDefault && sameJSON(n.def, r.value)
}

// rejectedBySource reports whether the source's schema rejects a value
// the target rejects, at the place it came from.
func rejectedBySource(from, to *version) func(at path, v any) bool {
	return func(at path, v any) bool {
		n := from.schema.lookup(sourcePath(at, from, to))
		return n != nil && !n.accepts(v)
	}
}

// sourcePath maps a path of the target's shape to the source's.
func sourcePath(at path, from, to *version) path {
	return from.shape.fromHub(to.shape.toHub(at))
}

// removeAll deletes the removals from obj, later list items first so that
// the indices of the others hold.
func removeAll(obj map[string]any, removals []removal) {
	slices.SortFunc(removals, func(a, b removal) int { return comparePaths(b.at, a.at) })
	for _, r := range removals {
		edit(obj, r.at, remove)
	}
}

// sameJSON reports whether two decoded JSON values are equal, whatever Go
// type holds their numbers.
func sameJSON(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameJSON(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	if fa, ok := asFloat(a); ok {
		fb, ok := asFloat(b)
		return ok && fa == fb
	}
	return reflect.DeepEqual(a, b)
}

func asFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}
