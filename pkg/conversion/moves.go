package conversion

import (
	"fmt"
	"strings"
)

// move relocates one field between a version's shape and the storage
// version's, such as a top-level field that the storage version keeps
// under spec. Paths name object keys only.
type move struct {
	spoke, hub path
}

// at builds a path from a dotted field path ("spec.rules").
func at(dotted string) path { return strings.Split(dotted, ".") }

// moveTo returns a move of the field at spoke to hub.
func moveTo(spoke, hub string) move { return move{spoke: at(spoke), hub: at(hub)} }

// shape is how a version other than the storage version differs in
// structure from the storage version: the moves that take its fields to
// where the storage version has them. Everything else (fields one version
// lacks, values one version rejects) the schema walk finds by itself, so a
// version with the storage version's shape has no moves.
type shape []move

// up takes obj from the version's shape to the storage version's.
func (s shape) up(obj map[string]any) error {
	for _, m := range s {
		if err := relocate(obj, m.spoke, m.hub); err != nil {
			return err
		}
	}
	return nil
}

// down takes obj from the storage version's shape to the version's.
func (s shape) down(obj map[string]any) error {
	for i := len(s) - 1; i >= 0; i-- {
		if err := relocate(obj, s[i].hub, s[i].spoke); err != nil {
			return err
		}
	}
	return nil
}

// toHub maps a path of the version's shape to the storage version's.
func (s shape) toHub(p path) path {
	for _, m := range s {
		if p.hasPrefix(m.spoke) {
			return append(m.hub[:len(m.hub):len(m.hub)], p[len(m.spoke):]...)
		}
	}
	return p
}

// fromHub maps a path of the storage version's shape to the version's.
func (s shape) fromHub(p path) path {
	for _, m := range s {
		if p.hasPrefix(m.hub) {
			return append(m.spoke[:len(m.spoke):len(m.spoke)], p[len(m.hub):]...)
		}
	}
	return p
}

// relocate moves the value at from to to, creating the objects on the way
// to it. An object that the move leaves empty goes too, so that moving
// back and forth gives the same object; one that was empty before stays.
// Nothing at from is not an error; something at to is (ErrConflict).
func relocate(obj map[string]any, from, to path) error {
	var along [maxMoveDepth]map[string]any
	parents, ok := objectsAlong(obj, from, along[:0])
	if !ok {
		return nil
	}
	last := from[len(from)-1]
	v, ok := parents[len(parents)-1][last]
	if !ok {
		return nil
	}
	dest, err := makeObjectsAlong(obj, to)
	if err != nil {
		return err
	}
	if _, taken := dest[to[len(to)-1]]; taken {
		return fmt.Errorf("%w: both %s and %s are set", ErrConflict, from, to)
	}
	dest[to[len(to)-1]] = v
	delete(parents[len(parents)-1], last)
	for i := len(parents) - 1; i > 0 && len(parents[i]) == 0; i-- {
		delete(parents[i-1], from[i-1])
	}
	return nil
}

// maxMoveDepth is the depth of the deepest move's path, so that relocate
// finds the objects along it without allocating; a deeper one still works.
const maxMoveDepth = 4

// objectsAlong appends to out the objects from obj to the parent of p's
// last key, and reports false when one of them is missing or not an
// object.
func objectsAlong(obj map[string]any, p path, out []map[string]any) ([]map[string]any, bool) {
	out = append(out, obj)
	for _, k := range p[:len(p)-1] {
		next, ok := out[len(out)-1][k].(map[string]any)
		if !ok {
			return nil, false
		}
		out = append(out, next)
	}
	return out, true
}

// makeObjectsAlong returns the parent object of p's last key, creating
// missing objects on the way.
func makeObjectsAlong(obj map[string]any, p path) (map[string]any, error) {
	cur := obj
	for i, k := range p[:len(p)-1] {
		v, ok := cur[k]
		if !ok {
			next := map[string]any{}
			cur[k] = next
			cur = next
			continue
		}
		next, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: %s is not an object", ErrConflict, p[:i+1])
		}
		cur = next
	}
	return cur, nil
}
