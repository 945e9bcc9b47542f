package conversion

import "strconv"

// maxJSONDepth bounds the nesting jsonReader follows, as encoding/json
// bounds its own; deeper input goes to encoding/json, which refuses it.
const maxJSONDepth = 10000

// maxFastIntDigits is the most digits an integer may have to be read
// without strconv: 18 decimal digits always fit in an int64.
const maxFastIntDigits = 18

// jsonReader decodes JSON in one pass into the values that
// k8s.io/apimachinery/pkg/util/json gives the converters: objects as
// map[string]any, lists as []any, integers that fit as int64, other
// numbers as float64. Strings and keys without escapes are substrings of
// the input, so they cost no allocation.
//
// It accepts only input that encoding/json accepts and decodes the same
// way. What it cannot decode identically (invalid UTF-8 and lone
// surrogates, which encoding/json replaces, a number out of float64's
// range, nesting past maxJSONDepth) or that is not JSON at all makes it
// fail, and its caller leaves the input to encoding/json, which decides.
// After a failure every method returns at once.
type jsonReader struct {
	s      string
	i      int
	depth  int
	failed bool
	// boxes holds strings already boxed in an interface, by a hash of
	// each: the objects of a review repeat most of their values (kinds,
	// namespaces, references), and boxing a string allocates. Strings
	// cannot change, so objects may share one box.
	boxes [stringBoxes]any
}

// stringBoxes is the size of jsonReader's cache of boxed strings.
const stringBoxes = 64

// box returns s in an interface, the one it returned for an equal string
// before when the cache still has it.
func (r *jsonReader) box(s string) any {
	if s == "" {
		return s
	}
	slot := &r.boxes[(len(s)*31+int(s[0])*7+int(s[len(s)-1]))%stringBoxes]
	if v, ok := (*slot).(string); ok && v == s {
		return *slot
	}
	*slot = s
	return *slot
}

func (r *jsonReader) fail() {
	r.failed = true
	r.i = len(r.s)
}

// peek returns the next byte after white space, or 0 at the end.
func (r *jsonReader) peek() byte {
	for ; r.i < len(r.s); r.i++ {
		switch c := r.s[r.i]; c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

// atEnd reports whether only white space is left.
func (r *jsonReader) atEnd() bool {
	return r.peek() == 0 && r.i == len(r.s) && !r.failed
}

// value reads any JSON value.
func (r *jsonReader) value() any {
	switch c := r.peek(); {
	case c == '{':
		return r.object()
	case c == '[':
		return r.list()
	case c == '"':
		return r.box(r.str())
	case c == 't':
		return r.literal("true", true)
	case c == 'f':
		return r.literal("false", false)
	case c == 'n':
		return r.literal("null", nil)
	case c == '-' || (c >= '0' && c <= '9'):
		return r.number()
	}
	r.fail()
	return nil
}

func (r *jsonReader) object() map[string]any {
	m := make(map[string]any)
	for more := r.open('{', '}'); more; more = r.more('}') {
		k := r.key()
		m[k] = r.value()
	}
	return m
}

// listCapacity is the capacity a list starts with: most lists of custom
// resources are short, and growing from nothing takes three allocations
// to reach four items.
const listCapacity = 4

func (r *jsonReader) list() []any {
	more := r.open('[', ']')
	if !more {
		return []any{}
	}
	l := make([]any, 0, listCapacity)
	for ; more; more = r.more(']') {
		l = append(l, r.value())
	}
	return l
}

// open consumes the opening byte of an object or list, which must come
// next, and reports whether a member follows.
func (r *jsonReader) open(start, end byte) bool {
	if r.peek() != start {
		r.fail()
		return false
	}
	r.i++
	if r.depth++; r.depth > maxJSONDepth {
		r.fail()
		return false
	}
	if r.peek() == end {
		r.i++
		r.depth--
		return false
	}
	return !r.failed
}

// more consumes the comma or closing byte after a member, and reports
// whether another member follows.
func (r *jsonReader) more(end byte) bool {
	switch r.peek() {
	case ',':
		r.i++
		return true
	case end:
		r.i++
		r.depth--
		return false
	}
	r.fail()
	return false
}

// key reads an object member's key and the colon after it.
func (r *jsonReader) key() string {
	if r.peek() != '"' {
		r.fail()
		return ""
	}
	k := r.str()
	if r.peek() != ':' {
		r.fail()
		return ""
	}
	r.i++
	return k
}

// stringValue reads a value that must be a string.
func (r *jsonReader) stringValue() string {
	if r.peek() != '"' {
		r.fail()
		return ""
	}
	return r.str()
}

func (r *jsonReader) literal(text string, v any) any {
	if len(r.s)-r.i < len(text) || r.s[r.i:r.i+len(text)] != text {
		r.fail()
		return nil
	}
	r.i += len(text)
	return v
}

// number reads a number: an int64 when it has no fraction and fits, as
// k8s.io/apimachinery/pkg/util/json decodes it, a float64 otherwise.
func (r *jsonReader) number() any {
	s, start := r.s, r.i
	j := skipDigits(s, start+boolInt(s[start] == '-'), true)
	intEnd := j
	fraction := j >= 0 && j < len(s) && s[j] == '.'
	if fraction {
		j = skipDigits(s, j+1, false)
	}
	if j >= 0 && j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		j++
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		j = skipDigits(s, j, false)
	}
	if j < 0 {
		r.fail()
		return nil
	}
	r.i = j
	text := s[start:j]
	if !fraction {
		if j == intEnd && len(text) <= maxFastIntDigits {
			return smallInt(text)
		}
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return n
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		r.fail()
		return nil
	}
	return f
}

// skipDigits returns the index after the digits at s[i:], or -1 when
// there are none. intPart refuses a leading zero followed by digits, as
// JSON does in a number's integer part.
func skipDigits(s string, i int, intPart bool) int {
	if i < 0 || i >= len(s) || s[i] < '0' || s[i] > '9' {
		return -1
	}
	if intPart && s[i] == '0' {
		return i + 1
	}
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// smallInt converts an optional minus sign and at most maxFastIntDigits
// digits.
func smallInt(text string) int64 {
	neg := text[0] == '-'
	if neg {
		text = text[1:]
	}
	var n int64
	for _, d := range []byte(text) {
		n = n*10 + int64(d-'0')
	}
	if neg {
		return -n
	}
	return n
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
