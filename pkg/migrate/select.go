package migrate

import (
	"context"
	"fmt"
	"slices"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// targets lists the live CRDs and picks those to migrate.
func (m *Migrator) targets(ctx context.Context, names []string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	live, err := crds.ListLive(ctx, m.crds, m.retry)
	if err != nil {
		return nil, err
	}
	return selectTargets(m.bundle.Names(), live, names)
}

// selectTargets returns, sorted by name, the named CRDs, which must all be
// bundled and live; or, without names, the bundled live CRDs that need a
// migration. A named CRD is migrated even when it needs none: rewriting
// every object has uses of its own, such as a new encryption key.
func selectTargets(bundled []string, live map[string]*apiextensionsv1.CustomResourceDefinition,
	names []string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	if len(names) == 0 {
		var out []*apiextensionsv1.CustomResourceDefinition
		for _, name := range bundled {
			if crd := live[name]; crd != nil && needsMigration(crd) {
				out = append(out, crd)
			}
		}
		return out, nil
	}

	var notBundled, notLive []string
	var out []*apiextensionsv1.CustomResourceDefinition
	for _, name := range uniqueSorted(names) {
		switch {
		case !slices.Contains(bundled, name):
			notBundled = append(notBundled, name)
		case live[name] == nil:
			notLive = append(notLive, name)
		default:
			out = append(out, live[name])
		}
	}
	if len(notBundled) > 0 {
		return nil, fmt.Errorf("%w: the bundle does not carry %s", ErrUnknownCRD, strings.Join(notBundled, ", "))
	}
	if len(notLive) > 0 {
		return nil, fmt.Errorf("%w: the cluster has no CRD %s", ErrUnknownCRD, strings.Join(notLive, ", "))
	}
	return out, nil
}

// needsMigration reports whether storedVersions lists a version other than
// the storage version: objects may be stored in it.
func needsMigration(crd *apiextensionsv1.CustomResourceDefinition) bool {
	storage, err := crds.StorageVersion(crd)
	if err != nil {
		return false
	}
	for _, v := range crd.Status.StoredVersions {
		if v != storage {
			return true
		}
	}
	return false
}

func uniqueSorted(names []string) []string {
	out := slices.Clone(names)
	slices.Sort(out)
	return slices.Compact(out)
}
