// Package automigrate runs the storage migration in the background of the
// webhook, on one replica at a time: a replica migrates only while it holds
// the migration Lease, and a replica that stops hands the Lease over.
package automigrate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// LeaseName is the name of the migration Lease in the control plane
// namespace (see CONTRACT.md).
const LeaseName = "osm-bootstrap-storage-migration"

// Lease timings. They are the usual ones of Kubernetes controllers: a
// replica that dies without releasing the Lease is replaced within
// DefaultLeaseDuration; one that stops cleanly releases it at once.
const (
	DefaultLeaseDuration = 30 * time.Second
	DefaultRenewDeadline = 20 * time.Second
	DefaultRetryPeriod   = 5 * time.Second
)

// DefaultRecheck is how long the holder of the Lease waits after a
// migration that succeeded before it looks again. A run that finds nothing
// to migrate reads only the CRDs, so rechecking is cheap; it catches a CRD
// that an `apply` of another replica changed while this one was leading.
const DefaultRecheck = 30 * time.Minute

// readyPoll is how often Run looks whether the webhook is ready before it
// contends for the Lease.
const readyPoll = time.Second

// Failures are retried with these waits, doubling from the first to the cap.
// A failed migration is never fatal to serving conversions: it is logged and
// retried for as long as the process runs.
const (
	DefaultFirstRetry = 5 * time.Second
	maxRetry          = 5 * time.Minute
)

// Options configure Run. Client, Namespace, Identity, Ready, Migrate and
// Log are required; a zero duration takes its default.
type Options struct {
	// Client reads and writes the Lease.
	Client kubernetes.Interface
	// Namespace holds the Lease.
	Namespace string
	// Identity names this replica in the Lease; unique per process.
	Identity string
	// Ready reports whether the webhook serves conversions; the migration
	// rewrites objects through the API server, which may call the webhook
	// for them, so it waits for this replica to be ready first.
	Ready func() bool
	// Migrate runs one migration; an error is retried with backoff.
	Migrate func(ctx context.Context) error
	// Log receives one line per migration and per change of leadership.
	Log *zap.Logger

	LeaseDuration time.Duration
	RenewDeadline time.Duration
	RetryPeriod   time.Duration
	Recheck       time.Duration
	FirstRetry    time.Duration
}

func (o Options) withDefaults() Options {
	if o.LeaseDuration <= 0 {
		o.LeaseDuration = DefaultLeaseDuration
	}
	if o.RenewDeadline <= 0 {
		o.RenewDeadline = DefaultRenewDeadline
	}
	if o.RetryPeriod <= 0 {
		o.RetryPeriod = DefaultRetryPeriod
	}
	if o.Recheck <= 0 {
		o.Recheck = DefaultRecheck
	}
	if o.FirstRetry <= 0 {
		o.FirstRetry = DefaultFirstRetry
	}
	return o
}

func (o Options) validate() error {
	switch {
	case o.Client == nil:
		return errors.New("automigrate: no client")
	case o.Namespace == "":
		return errors.New("automigrate: no namespace")
	case o.Identity == "":
		return errors.New("automigrate: no identity")
	case o.Ready == nil, o.Migrate == nil, o.Log == nil:
		return errors.New("automigrate: Ready, Migrate and Log are required")
	}
	return nil
}

// Run waits until the webhook is ready, then contends for the Lease until
// ctx ends, migrating while it leads. It returns nil when ctx ends and an
// error only for invalid options.
func Run(ctx context.Context, o Options) error {
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		return err
	}
	if err := wait.PollUntilContextCancel(ctx, readyPoll, true, func(context.Context) (bool, error) {
		return o.Ready(), nil
	}); err != nil {
		return nil // ctx ended before the webhook was ready
	}

	elector, err := newElector(o)
	if err != nil {
		return err
	}
	o.Log.Info("storage migration waits for the Lease", zap.String("lease", LeaseName),
		zap.String("namespace", o.Namespace), zap.String("identity", o.Identity))
	// Run returns when the Lease is lost; contend again until ctx ends.
	for ctx.Err() == nil {
		elector.Run(ctx)
	}
	return nil
}

// newElector builds the leader elector over the Lease. ReleaseOnCancel hands
// the Lease over as soon as the process stops, so a rolling update does not
// wait a whole LeaseDuration for the next replica to migrate.
func newElector(o Options) (*leaderelection.LeaderElector, error) {
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  leaseMeta(o.Namespace),
		Client:     o.Client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: o.Identity},
	}
	elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		Name:            LeaseName,
		LeaseDuration:   o.LeaseDuration,
		RenewDeadline:   o.RenewDeadline,
		RetryPeriod:     o.RetryPeriod,
		ReleaseOnCancel: true,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(ctx context.Context) { lead(ctx, o) },
			OnStoppedLeading: func() {
				o.Log.Info("storage migration Lease released", zap.String("identity", o.Identity))
			},
			OnNewLeader: func(identity string) {
				if identity != o.Identity {
					o.Log.Info("storage migration led by another replica", zap.String("leader", identity))
				}
			},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("automigrate: %w", err)
	}
	return elector, nil
}

func leaseMeta(namespace string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: LeaseName, Namespace: namespace}
}

// lead migrates while this replica holds the Lease: after a success it
// rechecks at o.Recheck, after a failure it retries with doubling waits.
func lead(ctx context.Context, o Options) {
	o.Log.Info("storage migration Lease acquired", zap.String("identity", o.Identity))
	retry := o.FirstRetry
	for {
		start := time.Now()
		err := o.Migrate(ctx)
		if ctx.Err() != nil {
			return
		}
		next := o.Recheck
		if err != nil {
			next = retry
			retry = min(2*retry, maxRetry)
			o.Log.Warn("storage migration failed, will retry", zap.Error(err),
				zap.Duration("duration", time.Since(start)), zap.Duration("retryIn", next))
		} else {
			retry = o.FirstRetry
			o.Log.Info("storage migration done", zap.Duration("duration", time.Since(start)),
				zap.Duration("recheckIn", next))
		}
		t := time.NewTimer(next)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
