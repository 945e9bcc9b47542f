package conversion

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// plainBytes are the ASCII bytes a JSON string holds as they are: not a
// control character, a quote or a backslash.
var plainBytes = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads a string at its opening quote: a substring of the input when
// it has no escapes.
func (r *jsonReader) str() string {
	start := r.i + 1
	for j := start; j < len(r.s); {
		c := r.s[j]
		switch {
		case c < utf8.RuneSelf && plainBytes[c]:
			j++
		case c == '"':
			r.i = j + 1
			return r.s[start:j]
		case c == '\\':
			return r.unescape(start, j)
		case c >= utf8.RuneSelf:
			size := validRune(r.s[j:])
			if size == 0 {
				r.fail()
				return ""
			}
			j += size
		default:
			r.fail()
			return ""
		}
	}
	r.fail()
	return ""
}

// validRune returns the size of the UTF-8 rune s starts with, or 0 when
// it is not valid UTF-8 (encoding/json would replace it with U+FFFD).
func validRune(s string) int {
	c, size := utf8.DecodeRuneInString(s)
	if c == utf8.RuneError && size == 1 {
		return 0
	}
	return size
}

// unescape reads the rest of a string whose first escape is at j.
func (r *jsonReader) unescape(start, j int) string {
	b := make([]byte, 0, j-start+16)
	b = append(b, r.s[start:j]...)
	for j < len(r.s) {
		c := r.s[j]
		switch {
		case c == '"':
			r.i = j + 1
			return string(b)
		case c == '\\':
			b, j = r.escape(b, j)
		case c < utf8.RuneSelf && plainBytes[c]:
			b = append(b, c)
			j++
		case c >= utf8.RuneSelf:
			size := validRune(r.s[j:])
			if size == 0 {
				r.fail()
				return ""
			}
			b = append(b, r.s[j:j+size]...)
			j += size
		default:
			r.fail()
			return ""
		}
	}
	r.fail()
	return ""
}

// escapes are the one-letter escapes of JSON and what they stand for.
var escapes = [utf8.RuneSelf]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// escape appends what the escape at j stands for and returns the index
// after it.
func (r *jsonReader) escape(b []byte, j int) ([]byte, int) {
	if j+1 >= len(r.s) {
		r.fail()
		return b, len(r.s)
	}
	if c := r.s[j+1]; c != 'u' {
		if c >= utf8.RuneSelf || escapes[c] == 0 {
			r.fail()
			return b, len(r.s)
		}
		return append(b, escapes[c]), j + 2
	}
	c, ok := hex4(r.s, j+2)
	if !ok {
		r.fail()
		return b, len(r.s)
	}
	j += 6
	if utf16.IsSurrogate(c) {
		low, ok := hex4(r.s, j+2)
		if !ok || r.s[j] != '\\' || r.s[j+1] != 'u' {
			r.fail()
			return b, len(r.s)
		}
		if c = utf16.DecodeRune(c, low); c == unicode.ReplacementChar {
			r.fail()
			return b, len(r.s)
		}
		j += 6
	}
	return utf8.AppendRune(b, c), j
}

// hex4 reads the four hex digits of a \u escape at s[i:].
func hex4(s string, i int) (rune, bool) {
	if i < 0 || i+4 > len(s) {
		return 0, false
	}
	var c rune
	for _, d := range []byte(s[i : i+4]) {
		switch {
		case d >= '0' && d <= '9':
			d -= '0'
		case d >= 'a' && d <= 'f':
			d -= 'a' - 10
		case d >= 'A' && d <= 'F':
			d -= 'A' - 10
		default:
			return 0, false
		}
		c = c<<4 | rune(d)
	}
	return c, true
}
