package conversion

import (
	"strings"

	"k8s.io/apimachinery/pkg/types"
)

// fieldSet records the fields of a review readReview has read.
type fieldSet uint8

const (
	fieldAPIVersion fieldSet = 1 << iota
	fieldKind
	fieldRequest
	fieldUID
	fieldDesired
	fieldObjects
	allFields = 1<<iota - 1
)

// first records f and reports whether it was not read before.
func (s *fieldSet) first(f fieldSet) bool {
	if *s&f != 0 {
		return false
	}
	*s |= f
	return true
}

// readReview reads a review of the shape the API server sends, in one
// pass with its objects: apiVersion (v1 or v1beta1), kind and request at
// the top, uid, desiredAPIVersion and objects in request, each once and
// spelt exactly so, a uid and a desiredAPIVersion, and objects that are
// JSON objects. On any other body, valid or not, it reports false: then
// encoding/json, which matches keys regardless of case, merges repeated
// keys and words the errors, must read it, and the answer is what it was
// before readReview existed.
func readReview(text string) (*review, bool) {
	r := &jsonReader{s: text}
	rev := &review{}
	var kind string
	var seen fieldSet
	for more := r.open('{', '}'); more; more = r.more('}') {
		key := r.key()
		switch {
		case key == "apiVersion" && seen.first(fieldAPIVersion):
			rev.apiVersion = r.stringValue()
		case key == "kind" && seen.first(fieldKind):
			kind = r.stringValue()
		case key == "request" && seen.first(fieldRequest):
			readRequest(r, rev, &seen)
		default:
			return nil, false
		}
	}
	ok := r.atEnd() && seen == allFields && kind == reviewKind &&
		(rev.apiVersion == reviewV1 || rev.apiVersion == reviewV1beta1) && rev.uid != "" && rev.desired != ""
	return rev, ok
}

func readRequest(r *jsonReader, rev *review, seen *fieldSet) {
	for more := r.open('{', '}'); more; more = r.more('}') {
		key := r.key()
		switch {
		case key == "uid" && seen.first(fieldUID):
			rev.uid = types.UID(r.stringValue())
		case key == "desiredAPIVersion" && seen.first(fieldDesired):
			rev.desired = r.stringValue()
		case key == "objects" && seen.first(fieldObjects):
			rev.objects = readObjects(r)
		default:
			r.fail()
			return
		}
	}
}

// readObjects reads the list of objects. An object with a key that
// differs from apiVersion only in case fails the read: the metrics take
// the source version the way encoding/json reads it into a struct, which
// would take that key too, and which one wins depends on their order.
func readObjects(r *jsonReader) []map[string]any {
	objects := []map[string]any{}
	for more := r.open('[', ']'); more; more = r.more(']') {
		obj := r.object()
		if hasCaseVariant(obj, "apiVersion") {
			r.fail()
		}
		objects = append(objects, obj)
	}
	return objects
}

// hasCaseVariant reports whether obj has a key other than exact that
// equals it but for case, as encoding/json compares struct field names.
func hasCaseVariant(obj map[string]any, exact string) bool {
	for k := range obj {
		if k != exact && strings.EqualFold(k, exact) {
			return true
		}
	}
	return false
}
