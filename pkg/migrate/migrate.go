// Package migrate moves the stored custom resources of the bundled CRDs to
// their storage version and then trims status.storedVersions to that
// version alone, so that an old version can leave the bundle.
//
// A Migrator uses the cluster's built-in StorageVersionMigration
// (storagemigration.k8s.io/v1) where it is served and its controller makes
// progress, and otherwise rewrites every object itself with a no-op patch.
// Either way it trims storedVersions only when nothing changed the CRD
// while the objects were rewritten.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	crdclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset/typed/apiextensions/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/kube"
)

// ErrUnknownCRD is returned when a CRD named to Run or DryRun is not in the
// bundle or not in the cluster: a usage error.
var ErrUnknownCRD = errors.New("unknown CRD")

// ErrNotTrimmed is returned when the CRD kept changing under every attempt,
// so that storedVersions could never be trimmed safely.
var ErrNotTrimmed = errors.New("storedVersions not trimmed")

// ErrBuiltinUnavailable is returned with MethodBuiltin when the cluster does
// not serve StorageVersionMigrations, or when their controller made no
// progress within Options.BuiltinTimeout.
var ErrBuiltinUnavailable = errors.New("built-in storage version migration unavailable")

// Method says how objects are rewritten.
type Method string

// The methods of Options.Method.
const (
	// MethodAuto uses the built-in migration where the cluster serves it and
	// it makes progress, else the client-side one.
	MethodAuto Method = "auto"
	// MethodBuiltin uses the built-in migration only and fails without it.
	MethodBuiltin Method = "builtin"
	// MethodClient rewrites every object from this process.
	MethodClient Method = "client"
)

// Defaults of Options.
const (
	// DefaultPageSize is how many objects one list request returns.
	DefaultPageSize = 500
	// DefaultWorkers is how many patches are in flight at once: enough to
	// hide the round trip, few enough to leave the API server to others.
	DefaultWorkers = 4
	// DefaultProgressInterval is the least time between two progress lines
	// of one CRD.
	DefaultProgressInterval = 10 * time.Second
	// DefaultBuiltinTimeout is how long a StorageVersionMigration may show no
	// progress at all before MethodAuto falls back to the client-side
	// migration: on a bare API server no controller manager ever picks it up.
	DefaultBuiltinTimeout = 30 * time.Second
	// DefaultSettleInterval is how long to wait, after the API server shows
	// the CRD established with the storage version, before objects are
	// rewritten: every API server of the cluster rebuilds the CRD's storage
	// from its own watch of the CRD, a little later than the one that
	// answered. An object written by a server still on the old storage
	// version after the migration passed it would be missed.
	DefaultSettleInterval = 5 * time.Second
	// DefaultMaxAttempts bounds how often the objects of one CRD are
	// rewritten when the CRD changed during the rewrite.
	DefaultMaxAttempts = 3
)

// clientQPS and clientBurst lift client-go's default rate limit of 5
// requests a second, which would make a patch per object take minutes for
// a few thousand objects; the server's priority and fairness still applies.
const (
	clientQPS   = 200
	clientBurst = 400
)

// Options shape a Migrator. Zero fields take the defaults above.
type Options struct {
	// Method is MethodAuto when empty.
	Method           Method
	PageSize         int64
	Workers          int
	ProgressInterval time.Duration
	BuiltinTimeout   time.Duration
	SettleInterval   time.Duration
	MaxAttempts      int
	// Backoff shapes the retries of every request; zero is
	// kube.DefaultBackoff.
	Backoff kube.Backoff
}

func (o Options) withDefaults() Options {
	if o.Method == "" {
		o.Method = MethodAuto
	}
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = DefaultProgressInterval
	}
	if o.BuiltinTimeout <= 0 {
		o.BuiltinTimeout = DefaultBuiltinTimeout
	}
	if o.SettleInterval <= 0 {
		o.SettleInterval = DefaultSettleInterval
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Backoff == (kube.Backoff{}) {
		o.Backoff = kube.DefaultBackoff()
	}
	return o
}

// Validate reports an option out of range (an unknown Method).
func (o Options) Validate() error {
	switch o.Method {
	case "", MethodAuto, MethodBuiltin, MethodClient:
		return nil
	default:
		return fmt.Errorf("invalid method %q: want auto, builtin or client", o.Method)
	}
}

// Migrator migrates the stored objects of the bundle's CRDs. It keeps no
// state between calls; one may run at a time per cluster (the webhook
// guards that with a Lease).
type Migrator struct {
	crds   crdclient.CustomResourceDefinitionInterface
	meta   metadata.Interface
	kube   kubernetes.Interface
	bundle *crds.Bundle
	log    *zap.Logger
	opts   Options
}

// New builds a Migrator for the bundle's CRDs from cfg, whose rate limit it
// lifts on a copy. It fails on invalid options.
func New(cfg *rest.Config, bundle *crds.Bundle, log *zap.Logger, opts Options) (*Migrator, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	fast := rest.CopyConfig(cfg)
	fast.QPS, fast.Burst = clientQPS, clientBurst
	ext, err := apiextensionsclient.NewForConfig(fast)
	if err != nil {
		return nil, fmt.Errorf("build client: %w", err)
	}
	meta, err := metadata.NewForConfig(fast)
	if err != nil {
		return nil, fmt.Errorf("build client: %w", err)
	}
	client, err := kubernetes.NewForConfig(fast)
	if err != nil {
		return nil, fmt.Errorf("build client: %w", err)
	}
	return &Migrator{
		crds:   ext.ApiextensionsV1().CustomResourceDefinitions(),
		meta:   meta,
		kube:   client,
		bundle: bundle,
		log:    log,
		opts:   opts.withDefaults(),
	}, nil
}

// Result is what Run did with one CRD.
type Result struct {
	CRD string
	// From is status.storedVersions before the run; To the storage version.
	From []string
	To   string
	// Method is the method that rewrote the objects: builtin or client.
	Method Method
	// Objects counts the objects rewritten by the client-side method
	// (Conflicts among them: rewritten by another writer meanwhile);
	// Skipped those deleted meanwhile. The built-in method reports none.
	Objects   int64
	Conflicts int64
	Skipped   int64
	// Attempts is how many times the objects were rewritten.
	Attempts int
	Duration time.Duration
}

// Run migrates the named CRDs, or, when names is empty, every bundled CRD
// whose storedVersions lists more than its storage version. Each ends with
// storedVersions set to the storage version alone. It goes on with the
// other CRDs when one fails and returns the results of those that
// succeeded with the joined errors; an error wraps ErrUnknownCRD when a
// name is not bundled or not in the cluster, and nothing is migrated then.
func (m *Migrator) Run(ctx context.Context, names []string) ([]Result, error) {
	start := time.Now()
	targets, err := m.targets(ctx, names)
	if err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		m.log.Info("no CRD needs migrating")
		return nil, nil
	}

	method, err := m.resolveMethod(ctx)
	if err != nil {
		return nil, err
	}
	snaps, err := m.waitAllServing(ctx, targets)
	if err != nil {
		return nil, err
	}

	var results []Result
	var errs []error
	for i, t := range targets {
		r, err := m.migrateCRD(ctx, t, snaps[i], method)
		if err != nil {
			errs = append(errs, fmt.Errorf("migrate CRD %s: %w", t.Name, err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		results = append(results, r)
	}
	m.log.Info("migration finished", zap.Int("migrated", len(results)), zap.Int("failed", len(errs)),
		zap.Duration("duration", time.Since(start)))
	return results, errors.Join(errs...)
}

// migrateCRD rewrites the objects of crd and trims its storedVersions,
// again when the CRD changed meanwhile, up to MaxAttempts times.
func (m *Migrator) migrateCRD(ctx context.Context, crd *apiextensionsv1.CustomResourceDefinition, snap snapshot,
	method Method) (Result, error) {
	start := time.Now()
	r := Result{CRD: crd.Name, From: crd.Status.StoredVersions, To: snap.storage}
	for attempt := 1; ; attempt++ {
		r.Attempts = attempt
		used, tally, err := m.rewrite(ctx, crd, snap, method)
		if err != nil {
			return r, err
		}
		r.Method = used
		r.Objects, r.Conflicts, r.Skipped = tally.migrated.Load(), tally.conflicts.Load(), tally.skipped.Load()

		trimmed, err := m.trim(ctx, crd.Name, snap)
		if err != nil {
			return r, err
		}
		if trimmed {
			r.Duration = time.Since(start)
			m.logResult(r)
			return r, nil
		}
		if attempt >= m.opts.MaxAttempts {
			return r, fmt.Errorf("%w: the CRD changed during each of %d attempts", ErrNotTrimmed, attempt)
		}
		m.log.Info("CRD changed during the migration, migrating again", zap.String("crd", crd.Name),
			zap.Int("attempt", attempt))
		if snap, err = m.waitServing(ctx, crd.Name); err != nil {
			return r, err
		}
		if err := sleep(ctx, m.opts.SettleInterval); err != nil {
			return r, err
		}
	}
}

func (m *Migrator) logResult(r Result) {
	m.log.Info("CRD migrated", zap.String("crd", r.CRD), zap.Strings("from", r.From), zap.String("to", r.To),
		zap.String("method", string(r.Method)), zap.Int64("objects", r.Objects), zap.Int64("conflicts", r.Conflicts),
		zap.Int64("skipped", r.Skipped), zap.Int("attempts", r.Attempts), zap.Duration("duration", r.Duration))
}

// retry runs fn through kube.Retry with the Migrator's backoff.
func (m *Migrator) retry(ctx context.Context, op string, fn func(context.Context) error) error {
	return kube.Retry(ctx, m.log, op, m.opts.Backoff, fn)
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
