package conversion

import (
	"cmp"
	"errors"
	"slices"
	"strings"
)

// path locates a value in a JSON document: object keys and list indices,
// as the reference tokens of a JSON pointer (RFC 6901). The empty path is
// the document itself.
type path []string

// pointerEscaper and pointerUnescaper apply RFC 6901's escapes: ~ is ~0
// and / is ~1.
var (
	pointerEscaper   = strings.NewReplacer("~", "~0", "/", "~1")
	pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")
)

// String renders p as a JSON pointer, such as /spec/rules/0/kind.
func (p path) String() string {
	var b strings.Builder
	for _, token := range p {
		b.WriteByte('/')
		b.WriteString(pointerEscaper.Replace(token))
	}
	return b.String()
}

// parsePointer reads a JSON pointer written by path.String.
func parsePointer(s string) (path, error) {
	if s == "" {
		return nil, nil
	}
	if s[0] != '/' {
		return nil, errors.New("a JSON pointer starts with /")
	}
	tokens := strings.Split(s[1:], "/")
	for i, t := range tokens {
		tokens[i] = pointerUnescaper.Replace(t)
	}
	return tokens, nil
}

// child returns p extended by token, sharing nothing with p.
func (p path) child(token string) path {
	out := make(path, len(p), len(p)+1)
	copy(out, p)
	return append(out, token)
}

// hasPrefix reports whether p starts with every token of q.
func (p path) hasPrefix(q path) bool {
	return len(p) >= len(q) && slices.Equal(p[:len(q)], q)
}

// maxIndexDigits bounds the digits of a list index, so that it cannot
// overflow an int; no list decoded from an API request comes near.
const maxIndexDigits = 9

// index reads token as a list index: a decimal without leading zeros. It
// is called on every key of every object, and allocates nothing.
func index(token string) (int, bool) {
	if token == "" || len(token) > maxIndexDigits || (len(token) > 1 && token[0] == '0') {
		return 0, false
	}
	i := 0
	for _, c := range []byte(token) {
		if c < '0' || c > '9' {
			return 0, false
		}
		i = i*10 + int(c-'0')
	}
	return i, true
}

// comparePaths orders paths token by token, indices by number, and a path
// before the paths it is a prefix of. Walking removals in descending order
// deletes later list items first, so the indices of earlier ones hold;
// restoring in ascending order re-inserts items before reaching into the
// items that follow them.
func comparePaths(a, b path) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, xok := index(a[i])
		y, yok := index(b[i])
		if xok && yok {
			if c := cmp.Compare(x, y); c != 0 {
				return c
			}
			continue
		}
		if c := strings.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

// editFunc changes the container (map or list) holding the last token of
// a path, and returns the container to store in its place: a list that
// grows or shrinks is a new slice. ok false leaves everything unchanged.
type editFunc func(container any, last string) (replacement any, ok bool)

// edit applies fn at p in root, and reports false when a step of p does
// not exist in root. p must not be empty.
func edit(root map[string]any, p path, fn editFunc) bool {
	_, ok := editIn(root, p, fn)
	return ok
}

func editIn(container any, p path, fn editFunc) (any, bool) {
	if len(p) == 1 {
		return fn(container, p[0])
	}
	switch c := container.(type) {
	case map[string]any:
		next, ok := c[p[0]]
		if !ok {
			return container, false
		}
		replacement, ok := editIn(next, p[1:], fn)
		if ok {
			c[p[0]] = replacement
		}
		return c, ok
	case []any:
		i, ok := index(p[0])
		if !ok || i >= len(c) {
			return container, false
		}
		replacement, ok := editIn(c[i], p[1:], fn)
		if ok {
			c[i] = replacement
		}
		return c, ok
	default:
		return container, false
	}
}

// remove deletes the value at p: a key of an object, or an item of a list
// (the items after it move up).
func remove(container any, last string) (any, bool) {
	switch c := container.(type) {
	case map[string]any:
		_, ok := c[last]
		delete(c, last)
		return c, ok
	case []any:
		i, ok := index(last)
		if !ok || i >= len(c) {
			return c, false
		}
		return slices.Delete(c, i, i+1), true
	default:
		return container, false
	}
}

// fill returns an editFunc that sets an absent key of an object to v, or
// inserts v into a list at the index (at its end when the list has become
// shorter). It never replaces a value that is there.
func fill(v any) editFunc {
	return func(container any, last string) (any, bool) {
		switch c := container.(type) {
		case map[string]any:
			if _, taken := c[last]; taken {
				return c, false
			}
			c[last] = v
			return c, true
		case []any:
			i, ok := index(last)
			if !ok {
				return c, false
			}
			return slices.Insert(c, min(i, len(c)), v), true
		default:
			return container, false
		}
	}
}
