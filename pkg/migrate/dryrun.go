package migrate

import (
	"context"
	"fmt"

	"go.uber.org/zap"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Pending is what Run would migrate for one CRD.
type Pending struct {
	CRD string
	// StoredVersions is status.storedVersions now; Storage the version
	// every object would be rewritten in.
	StoredVersions []string
	Storage        string
	// Objects is the number of objects, Namespaces that number per
	// namespace ("" for a cluster-scoped CRD).
	Objects    int64
	Namespaces map[string]int64
}

// DryRun lists what Run with the same names would migrate, counting the
// objects per namespace page by page. It only reads.
func (m *Migrator) DryRun(ctx context.Context, names []string) ([]Pending, error) {
	targets, err := m.targets(ctx, names)
	if err != nil {
		return nil, err
	}
	out := make([]Pending, 0, len(targets))
	for _, crd := range targets {
		p, err := m.count(ctx, crd)
		if err != nil {
			return out, err
		}
		m.log.Info("CRD would be migrated", zap.String("crd", p.CRD), zap.Strings("storedVersions", p.StoredVersions),
			zap.String("storage", p.Storage), zap.Int64("objects", p.Objects), zap.Any("namespaces", p.Namespaces))
		out = append(out, p)
	}
	if len(out) == 0 {
		m.log.Info("no CRD needs migrating")
	}
	return out, nil
}

// count lists the objects of crd in its storage version.
func (m *Migrator) count(ctx context.Context, crd *apiextensionsv1.CustomResourceDefinition) (Pending, error) {
	snap, err := m.snapshotOf(crd)
	if err != nil {
		return Pending{}, err
	}
	p := Pending{CRD: crd.Name, StoredVersions: crd.Status.StoredVersions, Storage: snap.storage,
		Namespaces: map[string]int64{}}
	err = m.eachPage(ctx, m.meta.Resource(snap.resource()), crd.Name,
		func(page *metav1.PartialObjectMetadataList, first bool) error {
			if first {
				// A list started again after an expired token counts anew.
				p.Objects, p.Namespaces = 0, map[string]int64{}
			}
			for i := range page.Items {
				p.Namespaces[page.Items[i].Namespace]++
			}
			p.Objects += int64(len(page.Items))
			return nil
		})
	if err != nil {
		return Pending{}, fmt.Errorf("count objects: %w", err)
	}
	return p, nil
}
