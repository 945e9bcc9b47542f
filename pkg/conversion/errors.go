package conversion

import (
	"errors"
	"fmt"
)

// Reasons a conversion fails. Convert wraps each in an *Error that names
// the object; callers branch on them with errors.Is.
var (
	// ErrUnknownCRD: the registry has no CRD of that name.
	ErrUnknownCRD = errors.New("unknown CRD")
	// ErrNotObject: the object, its metadata or its annotations are not
	// JSON objects, or its apiVersion or kind is not a string.
	ErrNotObject = errors.New("not an object")
	// ErrWrongKind: the object's group or kind, or the desired group, is
	// not the CRD's.
	ErrWrongKind = errors.New("wrong group or kind")
	// ErrUnknownVersion: the object's or the desired version is not a
	// version of the CRD.
	ErrUnknownVersion = errors.New("unknown version")
	// ErrBadStash: the object's StashAnnotation cannot be read.
	ErrBadStash = errors.New("unreadable " + StashAnnotation + " annotation")
	// ErrStashTooLarge: what the desired version cannot hold does not fit
	// in the object's annotations.
	ErrStashTooLarge = errors.New("preserved fields too large")
	// ErrConflict: a field to be moved into place is already there, or its
	// parent is not an object.
	ErrConflict = errors.New("conflicting fields")
)

// Error is the failure to convert one object. Its message names the CRD,
// the object (namespace/name, as far as it could be read) and the desired
// apiVersion, then the reason; Err holds one of the Err* reasons above.
type Error struct {
	CRD       string
	Namespace string
	Name      string
	// Desired is the apiVersion the object was to be converted to.
	Desired string
	Err     error
}

func (e *Error) Error() string {
	return fmt.Sprintf("convert %s %s to %s: %v", e.CRD, e.Object(), e.Desired, e.Err)
}

// Unwrap returns the reason.
func (e *Error) Unwrap() error { return e.Err }

// Object returns namespace/name, the name alone for a cluster-scoped
// object, or "(unnamed)" when the object has no readable name.
func (e *Error) Object() string {
	switch {
	case e.Name == "":
		return "(unnamed)"
	case e.Namespace == "":
		return e.Name
	default:
		return e.Namespace + "/" + e.Name
	}
}

// newError wraps reason with what can be read of obj's identity.
func newError(crd string, obj any, desired string, reason error) *Error {
	e := &Error{CRD: crd, Desired: desired, Err: reason}
	if m, ok := obj.(map[string]any); ok {
		if meta, ok := m["metadata"].(map[string]any); ok {
			e.Name, _ = meta["name"].(string)
			e.Namespace, _ = meta["namespace"].(string)
		}
	}
	return e
}
