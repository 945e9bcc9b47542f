package conversion

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// Registry converts the custom resources of a set of CRDs, by CRD name
// (<plural>.<group>). It is safe for concurrent use.
type Registry struct {
	kinds map[string]*kind
}

// Embedded returns the registry of the CRD bundle embedded in the binary.
func Embedded() (*Registry, error) {
	bundle, err := crds.Embedded()
	if err != nil {
		return nil, err
	}
	return NewRegistry(bundle.CRDs())
}

// NewRegistry returns a registry of the given CRDs, taking their versions,
// schemas and storage versions from them. It fails when a CRD has several
// versions but no converter for each of them, or a converter that does not
// match the CRD (another storage version, a version the CRD lacks, a
// moved field one of the schemas lacks).
func NewRegistry(list []*apiextensionsv1.CustomResourceDefinition) (*Registry, error) {
	r := &Registry{kinds: make(map[string]*kind, len(list))}
	var errs []error
	for _, crd := range list {
		k, err := newKind(crd)
		if err != nil {
			errs = append(errs, fmt.Errorf("CRD %s: %w", crd.Name, err))
			continue
		}
		r.kinds[crd.Name] = k
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("build conversion registry: %w", err)
	}
	return r, nil
}

// CRDs returns the names of the registry's CRDs, sorted.
func (r *Registry) CRDs() []string {
	names := make([]string, 0, len(r.kinds))
	for name := range r.kinds {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Convert converts obj, a custom resource of the named CRD as decoded from
// JSON, to desiredAPIVersion (<group>/<version>) and returns it. Numbers
// in obj must be int64 or float64, as k8s.io/apimachinery/pkg/util/json
// and encoding/json decode them (not json.Number, which the API server's
// validators do not take). It works
// in place: the result is obj itself, changed, and on an error obj may be
// half converted. An object already in the desired version is returned as
// it is; any other gets the desired apiVersion, its fields in the desired
// version's places, and the stash of what that version cannot hold.
// Metadata other than the stash annotation, and kind, never change.
//
// Errors are *Error, naming the object, wrapping one of the Err* reasons.
func (r *Registry) Convert(crd string, obj any, desiredAPIVersion string) (map[string]any, error) {
	out, err := r.convert(crd, obj, desiredAPIVersion)
	if err != nil {
		return nil, newError(crd, obj, desiredAPIVersion, err)
	}
	return out, nil
}

func (r *Registry) convert(crd string, obj any, desired string) (map[string]any, error) {
	k, ok := r.kinds[crd]
	if !ok {
		return nil, ErrUnknownCRD
	}
	m, ok := obj.(map[string]any)
	if !ok || m == nil {
		return nil, fmt.Errorf("%w: got %T", ErrNotObject, obj)
	}
	from, to, err := k.versionsOf(m, desired)
	if err != nil {
		return nil, err
	}
	if from == to {
		return m, nil
	}
	return m, k.convert(m, from, to)
}

// versionsOf returns the version of obj and the desired version, checking
// that obj and the desired apiVersion belong to the kind.
func (k *kind) versionsOf(obj map[string]any, desired string) (from, to *version, err error) {
	apiVersion, ok := obj["apiVersion"].(string)
	if !ok {
		return nil, nil, fmt.Errorf("%w: apiVersion is not a string", ErrNotObject)
	}
	objKind, ok := obj["kind"].(string)
	if !ok {
		return nil, nil, fmt.Errorf("%w: kind is not a string", ErrNotObject)
	}
	if objKind != k.kind {
		return nil, nil, fmt.Errorf("%w: kind %s, want %s", ErrWrongKind, objKind, k.kind)
	}
	if from, err = k.version(apiVersion); err != nil {
		return nil, nil, err
	}
	if to, err = k.version(desired); err != nil {
		return nil, nil, err
	}
	return from, to, nil
}

// version returns the version of an apiVersion of the kind's group.
func (k *kind) version(apiVersion string) (*version, error) {
	group, name, ok := strings.Cut(apiVersion, "/")
	if !ok || group != k.group {
		return nil, fmt.Errorf("%w: apiVersion %q, want group %s", ErrWrongKind, apiVersion, k.group)
	}
	v, ok := k.versions[name]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownVersion, apiVersion)
	}
	return v, nil
}
