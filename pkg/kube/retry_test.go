package kube

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/clock"
	testingclock "k8s.io/utils/clock/testing"
)

// Limits of the fake-clock driver: how far each step moves the fake time,
// and how long, in real time, a Retry may take before the test fails.
const (
	fakeStep      = 100 * time.Millisecond
	realTimeLimit = time.Second
)

var (
	errUnavailable = apierrors.NewServiceUnavailable("the server is currently unable to handle the request")
	errForbidden   = apierrors.NewForbidden(crdResource, "meshconfigs.config.openservicemesh.io",
		errors.New(`User "system:serviceaccount:osm-system:osm-bootstrap" cannot patch resource "customresourcedefinitions"`))
	errInvalid = apierrors.NewBadRequest("invalid patch")
)

// failing returns a function that fails with errs in turn, then succeeds,
// and the count of its calls.
func failing(errs ...error) (func(context.Context) error, *int) {
	calls := 0
	return func(context.Context) error {
		calls++
		if calls <= len(errs) {
			return errs[calls-1]
		}
		return nil
	}, &calls
}

func repeat(err error, n int) []error {
	errs := make([]error, n)
	for i := range errs {
		errs[i] = err
	}
	return errs
}

// zapClock shows the fake time in log entries.
type zapClock struct{ clock.PassiveClock }

func (c zapClock) NewTicker(d time.Duration) *time.Ticker { return time.NewTicker(d) }

// fakeRun is the outcome of a Retry driven by a fake clock.
type fakeRun struct {
	err     error
	logs    *observer.ObservedLogs
	elapsed time.Duration // fake time
}

// runFake runs Retry on a fake clock, stepping it while Retry waits.
func runFake(t *testing.T, b Backoff, fn func(context.Context) error) fakeRun {
	t.Helper()
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	fc := testingclock.NewFakeClock(start)
	core, logs := observer.New(zapcore.DebugLevel)
	r := &retrier{log: zap.New(core, zap.WithClock(zapClock{fc})), op: "test op", b: b.withDefaults(), clock: fc}

	done := make(chan error, 1)
	go func() { done <- r.run(context.Background(), fn) }()
	limit := time.After(realTimeLimit)
	for {
		select {
		case err := <-done:
			return fakeRun{err: err, logs: logs, elapsed: fc.Since(start)}
		case <-limit:
			t.Fatal("Retry did not return")
		default:
			if fc.HasWaiters() {
				fc.Step(fakeStep)
			}
		}
	}
}

func TestRetryOutcomes(t *testing.T) {
	cases := []struct {
		name      string
		errs      []error
		wantCalls int
		wantErr   error  // nil: success
		wantMsg   string // in the error
	}{
		{name: "first attempt succeeds", wantCalls: 1},
		{name: "transient errors then success", errs: repeat(errUnavailable, 3), wantCalls: 4},
		{name: "permanent error at once", errs: []error{errInvalid}, wantCalls: 1, wantErr: errInvalid},
		{name: "permanent after transient", errs: []error{errUnavailable, errInvalid}, wantCalls: 2, wantErr: errInvalid},
		{name: "forbidden within the window", errs: repeat(errForbidden, 3), wantCalls: 4},
		{name: "forbidden past the window", errs: repeat(errForbidden, 1000), wantErr: errForbidden,
			wantMsg: "still forbidden after 30s, RBAC lacks the permission named here: "},
		{name: "unauthorized past the window", errs: repeat(apierrors.NewUnauthorized("bad token"), 1000),
			wantMsg: "still unauthorized after 30s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fn, calls := failing(tc.errs...)
			run := runFake(t, DefaultBackoff(), fn)

			wantFailure := tc.wantErr != nil || tc.wantMsg != ""
			switch {
			case !wantFailure && run.err != nil:
				t.Fatalf("error %v, want success", run.err)
			case wantFailure && run.err == nil:
				t.Fatal("success, want an error")
			case tc.wantErr != nil && !errors.Is(run.err, tc.wantErr):
				t.Errorf("error %v does not wrap %v", run.err, tc.wantErr)
			case !strings.Contains(errString(run.err), tc.wantMsg):
				t.Errorf("error %q lacks %q", run.err, tc.wantMsg)
			}
			if tc.wantCalls != 0 && *calls != tc.wantCalls {
				t.Errorf("%d calls, want %d", *calls, tc.wantCalls)
			}
		})
	}
}

func TestRetryAuthWindowIsMeasuredFromFirstDenial(t *testing.T) {
	errs := append(repeat(errUnavailable, 5), repeat(errForbidden, 1000)...)
	fn, calls := failing(errs...)
	run := runFake(t, DefaultBackoff(), fn)

	if !apierrors.IsForbidden(run.err) {
		t.Fatalf("error %v, want a forbidden error", run.err)
	}
	if *calls <= 6 {
		t.Errorf("%d calls, want the 403 retried", *calls)
	}
	if run.elapsed < DefaultAuthWindow || run.elapsed > DefaultAuthWindow+time.Minute {
		t.Errorf("gave up after %s, want just past the %s window", run.elapsed, DefaultAuthWindow)
	}
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	cases := []struct {
		name        string
		seconds     int
		wantAtLeast time.Duration
	}{
		{name: "server delay above the backoff", seconds: 3, wantAtLeast: 3 * time.Second},
		{name: "absurd delay is capped", seconds: 3600, wantAtLeast: maxServerDelay},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fn, _ := failing(apierrors.NewTooManyRequests("slow down", tc.seconds))
			run := runFake(t, DefaultBackoff(), fn)
			if run.err != nil {
				t.Fatal(run.err)
			}

			waits := run.logs.FilterMessage(logWaiting).All()
			if len(waits) != 1 {
				t.Fatalf("%d waits logged, want 1", len(waits))
			}
			wait := waits[0].ContextMap()["wait"].(time.Duration)
			if wait < tc.wantAtLeast || wait > max(tc.wantAtLeast, DefaultMaxWait) {
				t.Errorf("waited %s, want %s", wait, tc.wantAtLeast)
			}
		})
	}
}

// TestRetryLogsCalmly checks the rate rule on a long outage: the first wait
// at info, then info at most once per LogInterval, debug in between.
func TestRetryLogsCalmly(t *testing.T) {
	fn, _ := failing(repeat(errUnavailable, 40)...)
	run := runFake(t, DefaultBackoff(), fn)
	if run.err != nil {
		t.Fatal(run.err)
	}

	waits := run.logs.FilterMessage(logWaiting).All()
	if len(waits) != 40 || waits[0].Level != zapcore.InfoLevel {
		t.Fatalf("%d waits, the first at %s; want 40, the first at info", len(waits), waits[0].Level)
	}
	var lastInfo time.Time
	var debug int
	for i, w := range waits {
		sinceInfo := w.Time.Sub(lastInfo)
		switch {
		case w.Level == zapcore.InfoLevel && i > 0 && sinceInfo < DefaultLogInterval:
			t.Errorf("wait %d at info only %s after the last", i, sinceInfo)
		case w.Level == zapcore.DebugLevel && sinceInfo >= DefaultLogInterval:
			t.Errorf("wait %d at debug %s after the last info", i, sinceInfo)
		}
		if w.Level == zapcore.InfoLevel {
			lastInfo = w.Time
		} else {
			debug++
		}
		if got := w.ContextMap(); got["op"] != "test op" || got["attempt"] != int64(i+1) || got["error"] == nil {
			t.Errorf("wait %d has fields %v", i, got)
		}
	}
	if debug == 0 {
		t.Error("no wait at debug")
	}
	if n := run.logs.FilterMessage("retried operation succeeded").Len(); n != 1 {
		t.Errorf("%d recovery lines, want 1", n)
	}
}

func TestRetryStopsWithContext(t *testing.T) {
	slow := Backoff{InitialWait: time.Hour}
	cases := []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		wantCtx error
	}{
		{name: "cancelled during a wait", wantCtx: context.Canceled, ctx: func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(10*time.Millisecond, cancel)
			return ctx, cancel
		}},
		{name: "deadline during a wait", wantCtx: context.DeadlineExceeded, ctx: func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 10*time.Millisecond)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := tc.ctx()
			defer cancel()
			fn, _ := failing(repeat(errUnavailable, 1000)...)

			err := Retry(ctx, zap.NewNop(), "test op", slow, fn)
			if !errors.Is(err, tc.wantCtx) || !errors.Is(err, errUnavailable) {
				t.Errorf("error %v, want it to wrap %v and the last error", err, tc.wantCtx)
			}
		})
	}
}

func TestRetryStopsWhenAttemptSeesCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	fn := func(context.Context) error {
		calls++
		cancel()
		return errUnavailable
	}

	err := Retry(ctx, zap.NewNop(), "test op", Backoff{}, fn)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, errUnavailable) || calls != 1 {
		t.Errorf("error %v after %d calls, want cancelled after 1", err, calls)
	}
}

// TestRetryAttemptTimeout checks that a stalled attempt is cut off by its
// own deadline and retried, while the caller's context stays alive.
func TestRetryAttemptTimeout(t *testing.T) {
	calls := 0
	fn := func(ctx context.Context) error {
		calls++
		if calls < 3 {
			<-ctx.Done()
			return urlError(ctx.Err())
		}
		return nil
	}
	b := Backoff{InitialWait: time.Millisecond, AttemptTimeout: 5 * time.Millisecond}

	if err := Retry(context.Background(), zap.NewNop(), "test op", b, fn); err != nil || calls != 3 {
		t.Errorf("error %v after %d calls, want success after 3", err, calls)
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	b := Backoff{InitialWait: 100 * time.Millisecond, MaxWait: time.Second}.withDefaults()
	cases := []struct {
		attempt  int
		min, max time.Duration
	}{
		{attempt: 1, min: 50 * time.Millisecond, max: 100 * time.Millisecond},
		{attempt: 2, min: 100 * time.Millisecond, max: 200 * time.Millisecond},
		{attempt: 4, min: 400 * time.Millisecond, max: 800 * time.Millisecond},
		{attempt: 5, min: 500 * time.Millisecond, max: time.Second},
		{attempt: 1000, min: 500 * time.Millisecond, max: time.Second},
	}
	for _, tc := range cases {
		r := &retrier{b: b, attempt: tc.attempt}
		for range 100 {
			if got := r.backoff(); got < tc.min || got > tc.max {
				t.Fatalf("attempt %d: wait %s outside [%s, %s]", tc.attempt, got, tc.min, tc.max)
			}
		}
	}
}

func TestBackoffDefaults(t *testing.T) {
	got := Backoff{}.withDefaults()
	want := DefaultBackoff()
	want.AttemptTimeout = 0
	if got != want {
		t.Errorf("zero backoff became %+v, want %+v", got, want)
	}
	if b := (Backoff{InitialWait: time.Minute, MaxWait: time.Second}).withDefaults(); b.MaxWait != time.Minute {
		t.Errorf("MaxWait %s below InitialWait, want it raised to %s", b.MaxWait, time.Minute)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
