package migrate

import (
	"context"
	"fmt"
	"slices"

	"go.uber.org/zap"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// maxTrimConflicts bounds the status writes lost to another writer of the
// CRD (its conditions, say) before the migration is repeated instead.
const maxTrimConflicts = 3

// verdict is what to do with storedVersions once every object was rewritten.
type verdict int

const (
	// trimNow: the CRD is as it was at the start; storedVersions may shrink.
	trimNow verdict = iota
	// trimmed: storedVersions is the storage version alone already (the
	// built-in controller trimmed it).
	trimmed
	// repeat: the storage version or the spec changed meanwhile; objects
	// written in between may be stored in another version.
	repeat
)

func (v verdict) String() string {
	return [...]string{"trim", "trimmed", "repeat"}[v]
}

// decideTrim compares the CRD at the end of a rewrite with its snapshot
// from the start.
func decideTrim(start snapshot, end *apiextensionsv1.CustomResourceDefinition) verdict {
	storage, err := crds.StorageVersion(end)
	if err != nil || storage != start.storage || end.Generation != start.generation {
		return repeat
	}
	if slices.Equal(end.Status.StoredVersions, []string{storage}) {
		return trimmed
	}
	return trimNow
}

// trim sets storedVersions to the snapshot's storage version when the CRD
// has not changed since the snapshot. The status write carries the
// resourceVersion it was decided on, so a change in between fails it with
// a conflict, and the decision is made again. It reports false when the
// objects must be rewritten again.
func (m *Migrator) trim(ctx context.Context, name string, start snapshot) (bool, error) {
	for range maxTrimConflicts {
		crd, err := m.getCRD(ctx, name)
		if err != nil {
			return false, err
		}
		v := decideTrim(start, crd)
		m.log.Debug("storedVersions decided", zap.String("crd", name), zap.Stringer("verdict", v),
			zap.Strings("storedVersions", crd.Status.StoredVersions), zap.Int64("generation", crd.Generation))
		if v != trimNow {
			return v == trimmed, nil
		}

		from := crd.Status.StoredVersions
		crd.Status.StoredVersions = []string{start.storage}
		err = m.retry(ctx, "trim storedVersions of "+name, func(ctx context.Context) error {
			_, err := m.crds.UpdateStatus(ctx, crd, metav1.UpdateOptions{})
			return err
		})
		if apierrors.IsConflict(err) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("trim storedVersions of CRD %s: %w", name, err)
		}
		m.log.Info("storedVersions trimmed", zap.String("crd", name), zap.Strings("from", from),
			zap.String("to", start.storage))
		return true, nil
	}
	return false, nil
}
