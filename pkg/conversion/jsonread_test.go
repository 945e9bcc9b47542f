package conversion

import (
	"reflect"
	"strings"
	"testing"

	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// readAll reads text as one JSON document with jsonReader, and reports
// whether it read it all without failing.
func readAll(text string) (any, bool) {
	r := &jsonReader{s: text}
	v := r.value()
	return v, r.atEnd()
}

// checkReadAsUtilJSON checks that whatever jsonReader reads, utiljson
// reads too, into the same values.
func checkReadAsUtilJSON(t *testing.T, text string) (ok bool) {
	t.Helper()
	got, ok := readAll(text)
	if !ok {
		return false
	}
	var want any
	if err := utiljson.Unmarshal([]byte(text), &want); err != nil {
		t.Fatalf("jsonReader read %q, which utiljson refuses: %v", text, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: jsonReader read %#v, utiljson %#v", text, got, want)
	}
	return true
}

func TestJSONReaderAsUtilJSON(t *testing.T) {
	cases := []struct {
		name, text string
		// ok: jsonReader reads it; otherwise it leaves it to encoding/json.
		ok bool
	}{
		{"object", `{"a":1,"b":[true,false,null],"c":{"d":"e"}}`, true},
		{"white space", " \t\r\n{ \"a\" : [ 1 , 2 ] }\n", true},
		{"empty containers", `{"a":{},"b":[]}`, true},
		{"repeated key, the last wins", `{"a":1,"a":2}`, true},
		{"integers", `[0,-0,7,-7,123456789012345678,9223372036854775807,-9223372036854775808]`, true},
		{"integer past int64 is a float", `[9223372036854775808,-9223372036854775809]`, true},
		{"floats", `[0.5,-1.25,1e3,1E3,1e-7,2.5e+10,1.0,1e21]`, true},
		{"escapes", `"q\" b\\ s\/ \b\f\n\r\t \u00e9 \u2028 \ud83d\ude00 \u0000"`, true},
		{"unicode", `"élan 😀 ☃"`, true},
		{"escape after unicode", `"é\n"`, true},
		{"replacement character as it is", `"\ufffd �"`, true},
		{"DEL as it is", "\"\x7f\"", true},
		{"not JSON", `{not json`, false},
		{"trailing data", `{} {}`, false},
		{"trailing comma", `[1,]`, false},
		{"trailing comma in object", `{"a":1,}`, false},
		{"missing colon", `{"a" 1}`, false},
		{"unquoted key", `{a:1}`, false},
		{"leading zero", `01`, false},
		{"bare minus", `-`, false},
		{"fraction without digits", `1.`, false},
		{"exponent without digits", `1e`, false},
		{"plus sign", `+1`, false},
		{"leading dot", `.5`, false},
		{"float out of range", `1e400`, false},
		{"bad literal", `tru`, false},
		{"literal with tail", `nullx`, false},
		{"control character in string", "\"a\nb\"", false},
		{"unterminated string", `"abc`, false},
		{"bad escape", `"\x"`, false},
		{"short unicode escape", `"\u12"`, false},
		{"lone high surrogate", `"\ud83d"`, false},
		{"lone low surrogate", `"\ude00"`, false},
		{"surrogates out of order", `"\ude00\ud83d"`, false},
		{"invalid UTF-8", "\"\xff\"", false},
		{"invalid UTF-8 after an escape", "\"\\n\xc3\"", false},
		{"byte order mark", "\ufeff{}", false},
		{"empty", ``, false},
		{"too deep", strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1), false},
		{"deep enough", strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if ok := checkReadAsUtilJSON(t, c.text); ok != c.ok {
				t.Errorf("read %v, want %v", ok, c.ok)
			}
		})
	}
}

func TestJSONReaderKeepsSubstrings(t *testing.T) {
	text := `{"key":"value"}`
	v, ok := readAll(text)
	if !ok {
		t.Fatal("not read")
	}
	for k, s := range v.(map[string]any) {
		// A substring of text starts within it.
		if !strings.Contains(text, k) || !strings.Contains(text, s.(string)) {
			t.Errorf("key %q value %q", k, s)
		}
	}
	if allocs := testing.AllocsPerRun(10, func() { readAll(`["a","b","c"]`) }); allocs > 6 {
		t.Errorf("%v allocations to read three plain strings, want at most 6 (no copies)", allocs)
	}
}

// FuzzJSONReader reads arbitrary bytes: what jsonReader reads, utiljson
// reads the same way.
func FuzzJSONReader(f *testing.F) {
	for _, seed := range []string{`{"a":[1,-2.5e3,"x\u00e9",true,null,{}]}`, `"\ud83d\ude00"`, `[9223372036854775808]`,
		"\"\xff\"", `{"a":1,"a":[]}`, `1e400`, `-0`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkReadAsUtilJSON(t, text)
	})
}
