package conversion

import (
	"fmt"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// kindShapes is what conversion knows of one multi-version CRD: the
// storage version its shapes lead to, and the shape of every other version.
// The versions themselves, their schemas and the storage version come from
// the CRD; NewRegistry refuses a multi-version CRD whose versions and
// storage version these do not match, so a version cannot ship
// unconverted.
type kindShapes struct {
	hub    string
	shapes map[string]shape
}

// knownKinds are the shapes of the bundle's multi-version CRDs, by CRD name.
var knownKinds = map[string]kindShapes{
	meshConfigCRD:     meshConfigShapes,
	trafficTargetCRD:  trafficTargetShapes,
	httpRouteGroupCRD: httpRouteGroupShapes,
	trafficSplitCRD:   trafficSplitShapes,
}

// newKind compiles the versions of crd, with their shapes.
func newKind(crd *apiextensionsv1.CustomResourceDefinition) (*kind, error) {
	storage, err := crds.StorageVersion(crd)
	if err != nil {
		return nil, err
	}
	k := &kind{group: crd.Spec.Group, kind: crd.Spec.Names.Kind, versions: map[string]*version{}}
	for _, v := range crd.Spec.Versions {
		schema, err := compileSchema(v.Schema)
		if err != nil {
			return nil, fmt.Errorf("version %s: %w", v.Name, err)
		}
		k.versions[v.Name] = &version{name: v.Name, apiVersion: crd.Spec.Group + "/" + v.Name, schema: schema}
	}

	known, ok := knownKinds[crd.Name]
	if !ok {
		if len(k.versions) > 1 {
			return nil, fmt.Errorf("has %d versions but no converter", len(k.versions))
		}
		return k, nil
	}
	if known.hub != storage {
		return nil, fmt.Errorf("converter leads to %s, but the storage version is %s", known.hub, storage)
	}
	if err := k.setShapes(storage, known.shapes); err != nil {
		return nil, err
	}
	return k, nil
}

// setShapes gives each version other than the hub its shape, and checks
// that shapes covers exactly those versions and that every move joins
// fields of both schemas.
func (k *kind) setShapes(hub string, shapes map[string]shape) error {
	for name := range k.versions {
		if _, ok := shapes[name]; !ok && name != hub {
			return fmt.Errorf("no converter for version %s", name)
		}
	}
	for name, s := range shapes {
		v, ok := k.versions[name]
		if !ok || name == hub {
			return fmt.Errorf("converter for version %s, which is not a version other than the storage version", name)
		}
		for _, m := range s {
			if v.schema.lookup(m.spoke) == nil || k.versions[hub].schema.lookup(m.hub) == nil {
				return fmt.Errorf("version %s moves %s to %s, a field one of the schemas lacks", name, m.spoke, m.hub)
			}
		}
		v.shape = s
	}
	return nil
}
