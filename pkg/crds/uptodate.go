package crds

import (
	"encoding/json"
	"reflect"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// upToDate tells whether a server-side apply of body would change nothing,
// judged from what the server holds: FieldManager already applies to the
// CRD, every field body sets holds the same value in live, and every field
// FieldManager owns is still in body (so the apply would remove nothing).
// Then the apply is skipped. Any doubt answers false, and the apply is sent:
// the server decides.
func upToDate(live *apiextensionsv1.CustomResourceDefinition, body []byte) bool {
	entry := appliedBy(live, FieldManager)
	if entry == nil {
		return false
	}
	var want map[string]any
	if json.Unmarshal(body, &want) != nil {
		return false
	}
	have, err := runtime.DefaultUnstructuredConverter.ToUnstructured(live)
	if err != nil {
		return false
	}
	// A typed object read from a list carries no apiVersion and kind.
	delete(want, "apiVersion")
	delete(want, "kind")
	if !holds(have, want) {
		return false
	}

	inBody := true
	fieldsOf(*entry).Iterate(func(p fieldpath.Path) {
		inBody = inBody && pathIn(want, p)
	})
	return inBody
}

// appliedBy returns the manager's server-side apply entry of the main
// resource, or nil.
func appliedBy(crd *apiextensionsv1.CustomResourceDefinition, manager string) *metav1.ManagedFieldsEntry {
	if crd == nil {
		return nil
	}
	for i, e := range crd.ManagedFields {
		if e.Manager == manager && e.Operation == metav1.ManagedFieldsOperationApply && e.Subresource == "" {
			return &crd.ManagedFields[i]
		}
	}
	return nil
}

// holds tells whether have contains every value of want. Lists must have
// the same length and hold their counterparts element by element.
func holds(have, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			hv, ok := h[k]
			if !ok || !holds(hv, wv) {
				return false
			}
		}
		return true
	case []any:
		h, ok := have.([]any)
		if !ok || len(h) != len(w) {
			return false
		}
		for i := range w {
			if !holds(h[i], w[i]) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(number(have), number(want))
	}
}

// pathIn tells whether obj has a value at a managed-fields path.
func pathIn(obj any, p fieldpath.Path) bool {
	for _, pe := range p {
		next, ok := step(obj, pe)
		if !ok {
			return false
		}
		obj = next
	}
	return true
}

func step(obj any, pe fieldpath.PathElement) (any, bool) {
	switch {
	case pe.FieldName != nil:
		m, ok := obj.(map[string]any)
		if !ok {
			return nil, false
		}
		v, ok := m[*pe.FieldName]
		return v, ok
	case pe.Index != nil:
		l, ok := obj.([]any)
		if !ok || *pe.Index < 0 || *pe.Index >= len(l) {
			return nil, false
		}
		return l[*pe.Index], true
	case pe.Key != nil:
		return findItem(obj, func(item any) bool {
			m, ok := item.(map[string]any)
			if !ok {
				return false
			}
			for _, f := range *pe.Key {
				if !reflect.DeepEqual(number(m[f.Name]), number(f.Value.Unstructured())) {
					return false
				}
			}
			return true
		})
	case pe.Value != nil:
		want := number((*pe.Value).Unstructured())
		return findItem(obj, func(item any) bool { return reflect.DeepEqual(number(item), want) })
	default:
		return nil, false
	}
}

func findItem(obj any, match func(any) bool) (any, bool) {
	l, ok := obj.([]any)
	if !ok {
		return nil, false
	}
	for _, item := range l {
		if match(item) {
			return item, true
		}
	}
	return nil, false
}

// number makes JSON numbers comparable whatever their Go type.
func number(v any) any {
	switch n := v.(type) {
	case int64:
		return float64(n)
	case int32:
		return float64(n)
	case int:
		return float64(n)
	default:
		return v
	}
}
