package migrate

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// servingPollInterval is how often a CRD that is not yet established is
// read again.
const servingPollInterval = 250 * time.Millisecond

// servingTimeout bounds the wait for a CRD to be established; apply has
// waited for that already, so a longer wait means something is wrong.
const servingTimeout = time.Minute

// snapshot is the state of a CRD a migration starts from: its storage
// version and generation (which any spec change increments).
type snapshot struct {
	storage    string
	generation int64
	group      string
	plural     string
}

// resource is the storage version's resource: objects are read and written
// in it, so that a rewrite converts at most once, on the read.
func (s snapshot) resource() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: s.group, Version: s.storage, Resource: s.plural}
}

// waitAllServing waits until every target serves its storage version, then
// once for the settle interval.
func (m *Migrator) waitAllServing(ctx context.Context, targets []*apiextensionsv1.CustomResourceDefinition) ([]snapshot, error) {
	snaps := make([]snapshot, len(targets))
	for i, t := range targets {
		var err error
		if snaps[i], err = m.waitServing(ctx, t.Name); err != nil {
			return nil, err
		}
	}
	m.log.Debug("waiting for the API servers to settle", zap.Duration("settle", m.opts.SettleInterval))
	return snaps, sleep(ctx, m.opts.SettleInterval)
}

// waitServing waits until the CRD is established and returns its snapshot.
// A CRD whose storage version is not the bundle's is an error: another
// release (a rollback) wrote it, and migrating for it is that release's job.
func (m *Migrator) waitServing(ctx context.Context, name string) (snapshot, error) {
	var snap snapshot
	var lastErr error
	err := wait.PollUntilContextTimeout(ctx, servingPollInterval, servingTimeout, true, func(ctx context.Context) (bool, error) {
		crd, err := m.getCRD(ctx, name)
		if err != nil {
			return false, err
		}
		snap, lastErr = m.snapshotOf(crd)
		if lastErr != nil {
			return false, lastErr
		}
		if !established(crd) {
			lastErr = fmt.Errorf("CRD %s is not established", name)
			return false, nil
		}
		return true, nil
	})
	if err != nil && lastErr != nil && ctx.Err() == nil {
		return snap, lastErr
	}
	return snap, err
}

// snapshotOf checks the CRD's storage version against the bundle's.
func (m *Migrator) snapshotOf(crd *apiextensionsv1.CustomResourceDefinition) (snapshot, error) {
	storage, err := crds.StorageVersion(crd)
	if err != nil {
		return snapshot{}, fmt.Errorf("CRD %s %w", crd.Name, err)
	}
	bundled := m.bundle.Get(crd.Name)
	want, err := crds.StorageVersion(bundled)
	if err != nil {
		return snapshot{}, fmt.Errorf("bundled CRD %s %w", crd.Name, err)
	}
	if storage != want {
		return snapshot{}, fmt.Errorf("CRD %s stores %s but the bundle stores %s: another release wrote it; "+
			"apply this bundle first", crd.Name, storage, want)
	}
	return snapshot{storage: storage, generation: crd.Generation, group: crd.Spec.Group, plural: crd.Spec.Names.Plural}, nil
}

func (m *Migrator) getCRD(ctx context.Context, name string) (*apiextensionsv1.CustomResourceDefinition, error) {
	var crd *apiextensionsv1.CustomResourceDefinition
	err := m.retry(ctx, "get CRD "+name, func(ctx context.Context) error {
		var err error
		crd, err = m.crds.Get(ctx, name, metav1.GetOptions{})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get CRD %s: %w", name, err)
	}
	return crd, nil
}

func established(crd *apiextensionsv1.CustomResourceDefinition) bool {
	for _, c := range crd.Status.Conditions {
		if c.Type == apiextensionsv1.Established {
			return c.Status == apiextensionsv1.ConditionTrue
		}
	}
	return false
}
