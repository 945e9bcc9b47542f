package conversion

import (
	"slices"
	"strconv"
)

// removal is a value the target version cannot hold.
type removal struct {
	at    path
	value any
	// unknown: the target's schema has no such field, so the API server
	// would prune it; otherwise the target's schema rejects the value.
	unknown bool
}

// metaFields are the fields of an embedded resource that pruning skips.
var metaFields = map[string]bool{"apiVersion": true, "kind": true, "metadata": true}

// fit lists what obj, already in the target version's shape, holds that
// the target's schema cannot: what the API server would prune, and values
// it would reject. It changes nothing. A value is rejected whole when its
// own checks fail, and so is an object that would lose a required field,
// or a list or object that would fall below its minimum size, by the
// removals inside it: then the removal of its parts is not listed, only
// its own. The root is never removed, whatever it lacks.
//
// A value the target rejects stays, unchecked below, when tolerate says
// so: conversion tolerates what the source version rejected too, as the
// object was invalid already and its way back must find it in place.
//
// Pruning follows the API server's algorithm: x-kubernetes-preserve-
// unknown-fields keeps unnamed fields, and is inherited by the items of a
// list, but not by named fields.
//
// TODO(conversion): list-type uniqueness (x-kubernetes-list-type set and
// map) and CEL rules are not checked; no multi-version schema uses them.
func fit(root *node, obj map[string]any, tolerate func(at path, v any) bool) []removal {
	f := &fitter{tolerate: tolerate}
	f.object(root, obj, root.keepUnknown)
	return f.out
}

type fitter struct {
	tolerate func(at path, v any) bool
	at       path
	out      []removal
}

func (f *fitter) record(token string, v any, unknown bool) {
	f.out = append(f.out, removal{at: f.at.child(token), value: v, unknown: unknown})
}

// value reports whether v must go as a whole. inList is true for the items
// of a list whose schema keeps unknown fields.
func (f *fitter) value(n *node, v any, inList bool) (reject bool) {
	if n == nil {
		// No schema (additionalProperties: true): any value, but an object
		// in it keeps no field, as the API server prunes it.
		if inList {
			return false
		}
		n = &node{}
	} else if !n.accepts(v) {
		return f.tolerate == nil || !f.tolerate(f.at, v)
	}
	keep := inList || n.keepUnknown
	mark := len(f.out)
	switch x := v.(type) {
	case map[string]any:
		reject = f.object(n, x, keep)
	case []any:
		reject = f.list(n, x, keep)
	}
	if reject {
		f.out = f.out[:mark]
	}
	return reject
}

// object lists the removals in m and reports whether m must go instead.
func (f *fitter) object(n *node, m map[string]any, keepUnknown bool) (reject bool) {
	var removed []string
	for k, v := range m {
		if n.embedded && metaFields[k] {
			continue
		}
		child, named := n.child(k)
		if !named {
			if !keepUnknown {
				f.record(k, v, true)
				removed = append(removed, k)
			}
			continue
		}
		f.at = append(f.at, k)
		gone := f.value(child, v, false)
		f.at = f.at[:len(f.at)-1]
		if gone {
			f.record(k, v, false)
			removed = append(removed, k)
		}
	}
	if len(removed) == 0 {
		return false
	}
	for _, k := range removed {
		if n.required[k] {
			return true
		}
	}
	return n.check != nil && !n.accepts(without(m, removed))
}

// list lists the removals in l and reports whether l must go instead.
func (f *fitter) list(n *node, l []any, keepUnknown bool) (reject bool) {
	var removed []int
	for i, v := range l {
		token := strconv.Itoa(i)
		f.at = append(f.at, token)
		gone := f.value(n.items, v, keepUnknown)
		f.at = f.at[:len(f.at)-1]
		if gone {
			f.record(token, v, false)
			removed = append(removed, i)
		}
	}
	if len(removed) == 0 || n.check == nil {
		return false
	}
	kept := make([]any, 0, len(l)-len(removed))
	for i, v := range l {
		if !slices.Contains(removed, i) {
			kept = append(kept, v)
		}
	}
	return !n.accepts(kept)
}

// without returns a shallow copy of m without keys.
func without(m map[string]any, keys []string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if !slices.Contains(keys, k) {
			out[k] = v
		}
	}
	return out
}
