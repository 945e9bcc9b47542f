package migrate

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/metadata"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// maxListRestarts bounds how often a list whose continue token expired is
// started again from the beginning.
const maxListRestarts = 5

// rewriteClientSide rewrites every object of the snapshot's resource with a
// no-op patch, page by page: the API server decodes each object from the
// version it is stored in and, the patch changing nothing, encodes it again
// in the storage version. Only one page is held at a time.
func (m *Migrator) rewriteClientSide(ctx context.Context, name string, snap snapshot) (*tally, error) {
	t := newTally()
	start := time.Now()
	reportCtx, stop := context.WithCancel(ctx)
	defer stop()
	go m.reportProgress(reportCtx, name, t, start)

	client := m.meta.Resource(snap.resource())
	first := &firstError{}
	err := m.eachPage(ctx, client, name, func(page *metav1.PartialObjectMetadataList, firstPage bool) error {
		if firstPage {
			t.total.Store(announced(page))
		}
		return m.patchPage(ctx, client, page.Items, t, first)
	})
	if err != nil {
		return t, err
	}
	if n := t.failed.Load(); n > 0 {
		return t, fmt.Errorf("%d objects not rewritten, the first: %w", n, first.get())
	}
	return t, nil
}

// announced is the number of objects a first page tells the list holds, or
// -1 when the server does not say.
func announced(page *metav1.PartialObjectMetadataList) int64 {
	if page.RemainingItemCount == nil {
		if page.Continue == "" {
			return int64(len(page.Items))
		}
		return -1
	}
	return int64(len(page.Items)) + *page.RemainingItemCount
}

// eachPage lists the resource in pages of PageSize and calls fn with each,
// telling it whether the page is the first of a list. When the continue
// token expired (410), the list starts again from the beginning, up to
// maxListRestarts times.
func (m *Migrator) eachPage(ctx context.Context, client metadata.Getter, name string,
	fn func(page *metav1.PartialObjectMetadataList, first bool) error) error {
	opts := metav1.ListOptions{Limit: m.opts.PageSize}
	for restarts := 0; ; {
		var page *metav1.PartialObjectMetadataList
		err := m.retry(ctx, "list objects of "+name, func(ctx context.Context) error {
			var err error
			page, err = client.List(ctx, opts)
			return err
		})
		if apierrors.IsResourceExpired(err) && opts.Continue != "" && restarts < maxListRestarts {
			restarts++
			m.log.Info("list expired, listing again from the start", zap.String("crd", name), zap.Int("restarts", restarts))
			opts.Continue = ""
			continue
		}
		if err != nil {
			return fmt.Errorf("list objects of CRD %s: %w", name, err)
		}
		if err := fn(page, opts.Continue == ""); err != nil {
			return err
		}
		if page.Continue == "" {
			return nil
		}
		opts.Continue = page.Continue
	}
}

// patchPage rewrites the objects of one page with Workers patches in
// flight.
func (m *Migrator) patchPage(ctx context.Context, client metadata.Getter,
	items []metav1.PartialObjectMetadata, t *tally, first *firstError) error {
	work := make(chan *metav1.PartialObjectMetadata)
	var wg sync.WaitGroup
	for range m.opts.Workers {
		wg.Go(func() {
			for obj := range work {
				m.patchOne(ctx, client, obj, t, first)
			}
		})
	}
	defer wg.Wait()
	defer close(work)
	for i := range items {
		select {
		case work <- &items[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// patchOne sends the no-op patch: a merge patch holding only the
// resourceVersion the object was listed with, which the server takes as a
// precondition. It changes no field, so it takes no field ownership. A
// conflict means another write rewrote the object meanwhile, in the storage
// version; a missing object needs no rewrite.
func (m *Migrator) patchOne(ctx context.Context, client metadata.Getter,
	obj *metav1.PartialObjectMetadata, t *tally, first *firstError) {
	body, err := noOpPatch(obj.ResourceVersion)
	if err == nil {
		err = m.retry(ctx, "rewrite object", func(ctx context.Context) error {
			_, err := client.Namespace(obj.Namespace).Patch(ctx, obj.Name, types.MergePatchType, body,
				metav1.PatchOptions{FieldManager: crds.FieldManager})
			return err
		})
	}
	switch {
	case err == nil:
		t.migrated.Add(1)
	case apierrors.IsConflict(err):
		t.migrated.Add(1)
		t.conflicts.Add(1)
	case apierrors.IsNotFound(err):
		t.skipped.Add(1)
	case ctx.Err() != nil:
		// Interrupted: neither done nor failed.
	default:
		t.failed.Add(1)
		first.set(fmt.Errorf("rewrite %s/%s: %w", obj.Namespace, obj.Name, err))
		m.log.Debug("object not rewritten", zap.String("namespace", obj.Namespace), zap.String("name", obj.Name),
			zap.Error(err))
	}
}

// noOpPatch is the merge patch that rewrites an object unchanged.
func noOpPatch(resourceVersion string) ([]byte, error) {
	return json.Marshal(map[string]any{"metadata": map[string]string{"resourceVersion": resourceVersion}})
}

// firstError keeps the first of the errors the workers report.
type firstError struct {
	mu  sync.Mutex
	err error
}

func (f *firstError) set(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = err
	}
}

func (f *firstError) get() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}
