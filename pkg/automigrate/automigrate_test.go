package automigrate

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
)

// testTimings keep elections short; leaderelection requires
// LeaseDuration > RenewDeadline > 1.2 * RetryPeriod.
func testOptions(t *testing.T, client kubernetes.Interface, id string, migrate func(context.Context) error) Options {
	return Options{
		Client:        client,
		Namespace:     "osm-system",
		Identity:      id,
		Ready:         func() bool { return true },
		Migrate:       migrate,
		Log:           zaptest.NewLogger(t).Named(id),
		LeaseDuration: time.Second,
		RenewDeadline: 500 * time.Millisecond,
		RetryPeriod:   100 * time.Millisecond,
		Recheck:       time.Hour,
		FirstRetry:    10 * time.Millisecond,
	}
}

// waitFor polls cond until it holds or the test's patience ends.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func start(t *testing.T, o Options) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, o) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run(%s) = %v, want nil", o.Identity, err)
		}
	}
}

func TestRunRetriesFailuresUntilSuccess(t *testing.T) {
	var calls atomic.Int32
	migrate := func(context.Context) error {
		if calls.Add(1) < 3 {
			return errors.New("API server said no")
		}
		return nil
	}
	stop := start(t, testOptions(t, fake.NewClientset(), "a", migrate))
	waitFor(t, "three attempts", func() bool { return calls.Load() >= 3 })
	// After the success the next run waits for Recheck (an hour): no fourth.
	time.Sleep(200 * time.Millisecond)
	stop()
	if got := calls.Load(); got != 3 {
		t.Errorf("Migrate called %d times, want 3 (two failures retried, then one success)", got)
	}
}

func TestRunWaitsForReadiness(t *testing.T) {
	var ready, migrated atomic.Bool
	o := testOptions(t, fake.NewClientset(), "a", func(context.Context) error {
		if !ready.Load() {
			t.Error("Migrate called before the webhook was ready")
		}
		migrated.Store(true)
		return nil
	})
	o.Ready = ready.Load
	stop := start(t, o)
	defer stop()

	time.Sleep(3 * readyPoll / 2)
	if migrated.Load() {
		t.Fatal("migrated while not ready")
	}
	ready.Store(true)
	waitFor(t, "the migration once ready", migrated.Load)
}

// TestOneReplicaMigratesAtATime runs two replicas on one Lease: only the
// holder migrates, and when it stops the other takes over.
func TestOneReplicaMigratesAtATime(t *testing.T) {
	client := fake.NewClientset()
	var mu sync.Mutex
	var order []string
	running := map[string]bool{}
	migrate := func(id string) func(context.Context) error {
		return func(ctx context.Context) error {
			mu.Lock()
			order = append(order, id)
			running[id] = true
			if len(running) > 1 {
				t.Errorf("two replicas migrate at once: %v", running)
			}
			mu.Unlock()
			<-ctx.Done() // a long migration: holds on until the Lease ends
			mu.Lock()
			delete(running, id)
			mu.Unlock()
			return ctx.Err()
		}
	}
	stopA := start(t, testOptions(t, client, "a", migrate("a")))
	waitFor(t, "replica a to lead", func() bool { mu.Lock(); defer mu.Unlock(); return len(order) == 1 })
	stopB := start(t, testOptions(t, client, "b", migrate("b")))
	defer stopB()

	time.Sleep(2 * time.Second) // two LeaseDurations: b must still wait
	mu.Lock()
	if len(order) != 1 {
		t.Fatalf("migrations started = %v, want only a while a holds the Lease", order)
	}
	mu.Unlock()

	stopA()
	waitFor(t, "replica b to take over", func() bool { mu.Lock(); defer mu.Unlock(); return len(order) == 2 })
	mu.Lock()
	defer mu.Unlock()
	if order[1] != "b" {
		t.Errorf("migrations started = %v, want a then b", order)
	}
	lease, err := client.CoordinationV1().Leases("osm-system").Get(context.Background(), LeaseName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get Lease: %v", err)
	}
	if got := *lease.Spec.HolderIdentity; got != "b" {
		t.Errorf("Lease holder = %q, want b", got)
	}
}

func TestRunRejectsIncompleteOptions(t *testing.T) {
	o := testOptions(t, fake.NewClientset(), "a", func(context.Context) error { return nil })
	o.Namespace = ""
	if err := Run(context.Background(), o); err == nil {
		t.Error("Run without a namespace = nil, want an error")
	}
}
