package conversion

import (
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// maxPooledBytes bounds the buffers kept for reuse: a rare huge review
// does not pin its memory for the life of the process.
const maxPooledBytes = 4 << 20

// jsonWriter encodes the values jsonReader and the converters produce
// exactly as encoding/json does, byte for byte (keys sorted, the same
// escapes and number formats), without reflection. It keeps its buffer
// and a stack of map keys between uses.
type jsonWriter struct {
	b []byte
	// keys is a stack of the keys of the maps being written.
	keys []string
	// escapeHTML escapes <, > and &, as json.Marshal does.
	escapeHTML bool
}

var writerPool = sync.Pool{New: func() any { return &jsonWriter{} }}

// getWriter returns an empty writer from the pool.
func getWriter(escapeHTML bool) *jsonWriter {
	w := writerPool.Get().(*jsonWriter)
	w.b, w.escapeHTML = w.b[:0], escapeHTML
	return w
}

// release returns w to the pool; w.b must no longer be used.
func (w *jsonWriter) release() {
	if cap(w.b) > maxPooledBytes {
		w.b = nil
	}
	clear(w.keys[:cap(w.keys)])
	w.keys = w.keys[:0]
	writerPool.Put(w)
}

// value appends v. It reports false for what it does not write as
// encoding/json would (a Go type no decoder here produces, NaN or an
// infinity), leaving the buffer to be cut back by the caller.
func (w *jsonWriter) value(v any) bool {
	switch x := v.(type) {
	case nil:
		w.b = append(w.b, "null"...)
	case string:
		w.string(x)
	case bool:
		w.b = strconv.AppendBool(w.b, x)
	case int64:
		w.b = strconv.AppendInt(w.b, x, 10)
	case float64:
		return w.float(x)
	case map[string]any:
		return w.object(x)
	case []any:
		return w.list(x)
	default:
		return false
	}
	return true
}

func (w *jsonWriter) object(m map[string]any) bool {
	if m == nil {
		w.b = append(w.b, "null"...)
		return true
	}
	base := len(w.keys)
	for k := range m {
		w.keys = append(w.keys, k)
	}
	// Writing the values may grow w.keys into a new array; keys keeps
	// reading the old one, which nothing changes.
	keys := w.keys[base:]
	slices.Sort(keys)
	w.b = append(w.b, '{')
	for i, k := range keys {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.string(k)
		w.b = append(w.b, ':')
		if !w.value(m[k]) {
			w.keys = w.keys[:base]
			return false
		}
	}
	w.b = append(w.b, '}')
	w.keys = w.keys[:base]
	return true
}

func (w *jsonWriter) list(l []any) bool {
	if l == nil {
		w.b = append(w.b, "null"...)
		return true
	}
	w.b = append(w.b, '[')
	for i, v := range l {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		if !w.value(v) {
			return false
		}
	}
	w.b = append(w.b, ']')
	return true
}

// float writes f as encoding/json does: like JavaScript, in exponent form
// only below 1e-6 and from 1e21 on, with no padding of the exponent.
func (w *jsonWriter) float(f float64) bool {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	start := len(w.b)
	w.b = strconv.AppendFloat(w.b, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 becomes 1e-7.
		if n := len(w.b); n-start >= 4 && w.b[n-4] == 'e' && w.b[n-3] == '-' && w.b[n-2] == '0' {
			w.b[n-2] = w.b[n-1]
			w.b = w.b[:n-1]
		}
	}
	return true
}

// hexDigits are the digits of \u escapes, lower case as encoding/json
// writes them.
const hexDigits = "0123456789abcdef"

// asIs are the ASCII bytes a string holds unescaped: printable, not a
// quote or backslash; htmlAsIs excludes <, > and & as well.
var asIs, htmlAsIs = func() (plain, html [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		plain[c] = c != '"' && c != '\\'
		html[c] = plain[c] && c != '<' && c != '>' && c != '&'
	}
	return plain, html
}()

// string writes s quoted, escaping what encoding/json escapes: quotes,
// backslashes and control characters (\b, \f, \n, \r and \t by name),
// U+2028 and U+2029, <, > and & when escaping HTML, and each byte of
// invalid UTF-8 as \ufffd.
func (w *jsonWriter) string(s string) {
	safe := &asIs
	if w.escapeHTML {
		safe = &htmlAsIs
	}
	w.b = append(w.b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			w.b = append(w.b, s[start:i]...)
			w.b = appendEscape(w.b, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == '\u2028' || r == '\u2029' {
			w.b = append(w.b, s[start:i]...)
			if size == 1 {
				w.b = append(w.b, `\ufffd`...)
			} else {
				w.b = append(w.b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			}
			start = i + size
		}
		i += size
	}
	w.b = append(w.b, s[start:]...)
	w.b = append(w.b, '"')
}

// appendEscape writes the escape of an ASCII byte that is not as is.
func appendEscape(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}
