package conversion

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// StashAnnotation is the annotation in which a converted object keeps
// what its version cannot hold, until a conversion back restores it.
//
// Its value is a JSON document:
//
//	{"v":1,"from":"v1alpha3","to":"v1alpha1","fields":{"/specs/2":{...},"/spec/x":5}}
//
// v is the format, 1. from is the version the object was converted from,
// for people reading it. to is the version the object was converted to,
// whose shape the paths describe: a stash found on an object of another
// version (copied there by hand) is dropped, as its paths do not describe
// the object. fields maps JSON pointers (RFC 6901) to the values that were
// removed there: an object key the version lacks or whose value it
// rejects, or a whole list item (indices are those before removal).
const StashAnnotation = "conversion.openservicemesh.io/preserved"

// stashFormat is the v of the stash documents this package writes and
// reads; a document of another format is ErrBadStash.
const stashFormat = 1

// maxAnnotationBytes bounds the object's annotations once the stash is
// added: the API server's limit on the keys and values of all annotations
// of an object together (256 KiB). A converted object over it could not
// be written back through its version, so conversion fails instead
// (ErrStashTooLarge); dropping the stash would lose its fields silently.
const maxAnnotationBytes = apivalidation.TotalAnnotationSizeLimitB

// stash is the StashAnnotation document.
type stash struct {
	V      int            `json:"v"`
	From   string         `json:"from"`
	To     string         `json:"to"`
	Fields map[string]any `json:"fields"`
}

// entry is one stashed value, at a path of the stash's version.
type entry struct {
	at    path
	value any
}

// takeStash removes the stash from obj, an object of version version, and
// returns its entries in restoring order; none when there is no stash or
// it was written for another version.
func takeStash(obj map[string]any, version string) ([]entry, error) {
	annotations, err := annotationsOf(obj)
	if err != nil || annotations == nil {
		return nil, err
	}
	raw, ok := annotations[StashAnnotation]
	if !ok {
		return nil, nil
	}
	// annotationsOf has checked that every annotation is a string.
	s, err := decodeStash(raw.(string))
	if err != nil {
		return nil, err
	}
	delete(annotations, StashAnnotation)
	dropEmptyAnnotations(obj)
	if s.To != version {
		return nil, nil
	}
	return s.entries()
}

func decodeStash(text string) (*stash, error) {
	s := &stash{}
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(s); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadStash, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the document", ErrBadStash)
	}
	if s.V != stashFormat {
		return nil, fmt.Errorf("%w: format %d, want %d", ErrBadStash, s.V, stashFormat)
	}
	// Numbers become int64 or float64, as in objects the API server decodes.
	if err := utiljson.ConvertMapNumbers(s.Fields, 0); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadStash, err)
	}
	return s, nil
}

func (s *stash) entries() ([]entry, error) {
	out := make([]entry, 0, len(s.Fields))
	for pointer, v := range s.Fields {
		p, err := parsePointer(pointer)
		// Conversion never stashes the root, apiVersion, kind or metadata.
		if err != nil || len(p) == 0 || metaFields[p[0]] {
			return nil, fmt.Errorf("%w: bad path %q", ErrBadStash, pointer)
		}
		out = append(out, entry{at: p, value: v})
	}
	slices.SortFunc(out, func(a, b entry) int { return comparePaths(a.at, b.at) })
	return out, nil
}

// restore puts stashed values back into obj, only where obj has nothing:
// what the object holds wins over the stash. The stash holds what the
// object's version could not show; if the object was edited in that
// version since, the edit is newer than anything stashed, so a stashed
// value never replaces a value that is there, and a value whose parent
// object or list item has gone is dropped with it (the edit removed what
// held it). A stashed list item is inserted at its index, or appended
// when the list has become shorter.
func restore(obj map[string]any, entries []entry) {
	for _, e := range entries {
		edit(obj, e.at, fill(e.value))
	}
}

// putStash records entries in obj's StashAnnotation, or nothing when there
// are none. It fails when the annotations would outgrow maxAnnotationBytes.
func putStash(obj map[string]any, from, to string, entries []entry) error {
	if len(entries) == 0 {
		return nil
	}
	s := stash{V: stashFormat, From: from, To: to, Fields: make(map[string]any, len(entries))}
	for _, e := range entries {
		s.Fields[e.at.String()] = e.value
	}
	text, err := encodeStash(&s)
	if err != nil {
		return err
	}

	annotations, err := annotationsOf(obj)
	if err != nil {
		return err
	}
	size := len(StashAnnotation) + len(text)
	for k, v := range annotations {
		size += len(k) + len(v.(string))
	}
	if size > maxAnnotationBytes {
		return fmt.Errorf("%w: annotations would take %d bytes, the limit is %d",
			ErrStashTooLarge, size, maxAnnotationBytes)
	}
	setAnnotation(obj, StashAnnotation, text)
	return nil
}

// encodeStash writes the stash document as a json.Encoder without HTML
// escaping does, but for the newline, and faster.
func encodeStash(s *stash) (string, error) {
	w := getWriter(false)
	defer w.release()
	w.b = append(w.b, `{"v":`...)
	w.b = strconv.AppendInt(w.b, int64(s.V), 10)
	w.b = append(w.b, `,"from":`...)
	w.string(s.From)
	w.b = append(w.b, `,"to":`...)
	w.string(s.To)
	w.b = append(w.b, `,"fields":`...)
	if w.object(s.Fields) {
		w.b = append(w.b, '}')
		return string(w.b), nil
	}
	// A value jsonWriter does not write: encoding/json decides.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return "", fmt.Errorf("encode preserved fields: %w", err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// annotationsOf returns obj's annotations, nil when it has none, and
// ErrNotObject when metadata or annotations are not objects or an
// annotation is not a string.
func annotationsOf(obj map[string]any) (map[string]any, error) {
	rawMeta, ok := obj["metadata"]
	if !ok {
		return nil, nil
	}
	meta, ok := rawMeta.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: metadata is not an object", ErrNotObject)
	}
	raw, ok := meta["annotations"]
	if !ok || raw == nil {
		return nil, nil
	}
	annotations, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: metadata.annotations is not an object", ErrNotObject)
	}
	for k, v := range annotations {
		if _, ok := v.(string); !ok {
			return nil, fmt.Errorf("%w: annotation %s is not a string", ErrNotObject, k)
		}
	}
	return annotations, nil
}

// setAnnotation sets one annotation, creating metadata and annotations as
// needed; annotationsOf has checked their types.
func setAnnotation(obj map[string]any, key, value string) {
	meta, ok := obj["metadata"].(map[string]any)
	if !ok {
		meta = map[string]any{}
		obj["metadata"] = meta
	}
	annotations, ok := meta["annotations"].(map[string]any)
	if !ok {
		annotations = map[string]any{}
		meta["annotations"] = annotations
	}
	annotations[key] = value
}

// dropEmptyAnnotations removes an annotations object left empty, as the
// API server does not keep one.
func dropEmptyAnnotations(obj map[string]any) {
	meta, _ := obj["metadata"].(map[string]any)
	if a, ok := meta["annotations"].(map[string]any); ok && len(a) == 0 {
		delete(meta, "annotations")
	}
}
