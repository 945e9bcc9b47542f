package kube

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"go.uber.org/zap"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/clock"
)

// Durations of DefaultBackoff.
const (
	// DefaultInitialWait is the first wait, before jitter.
	DefaultInitialWait = 250 * time.Millisecond
	// DefaultMaxWait caps the doubling waits. It is short because an init
	// container that waits for an API server should notice soon after the
	// server is back; one request every few seconds is no load.
	DefaultMaxWait = 4 * time.Second
	// DefaultAuthWindow is how long 401 and 403 answers are retried after
	// the first one: the RBAC bindings Helm creates in the same release as
	// the pod may reach the authorizer's cache a little after the pod starts.
	DefaultAuthWindow = 30 * time.Second
	// DefaultAttemptTimeout bounds one attempt, including the retries
	// client-go makes by itself on a Retry-After answer, so that a stalled
	// connection is given up and retried rather than awaited until the
	// overall deadline.
	DefaultAttemptTimeout = 30 * time.Second
	// DefaultLogInterval is the least time between two waits logged at
	// info; the waits in between are logged at debug.
	DefaultLogInterval = 10 * time.Second
)

// maxServerDelay caps the delay a server or proxy may ask for in a
// Retry-After, so that a misconfigured proxy cannot park the run until its
// deadline.
const maxServerDelay = time.Minute

// backoffFactor is how much each wait grows over the last.
const backoffFactor = 2

// logWaiting is the message of every logged wait.
const logWaiting = "waiting to retry"

// Backoff shapes the waits of Retry. A zero InitialWait, MaxWait, AuthWindow
// or LogInterval takes the default above; a zero AttemptTimeout means that
// an attempt has no deadline of its own.
type Backoff struct {
	// InitialWait is the first wait; each next one doubles, up to MaxWait.
	// A wait is drawn at random between half its value and its value
	// ("equal jitter"), so that pods started together spread their retries
	// and yet never retry at once.
	InitialWait time.Duration
	MaxWait     time.Duration
	// AuthWindow is how long 401 and 403 are retried after the first one.
	AuthWindow time.Duration
	// AttemptTimeout bounds each call of the retried function.
	AttemptTimeout time.Duration
	// LogInterval is the least time between two waits logged at info.
	LogInterval time.Duration
}

// DefaultBackoff returns the backoff for requests to the API server.
func DefaultBackoff() Backoff {
	return Backoff{
		InitialWait:    DefaultInitialWait,
		MaxWait:        DefaultMaxWait,
		AuthWindow:     DefaultAuthWindow,
		AttemptTimeout: DefaultAttemptTimeout,
		LogInterval:    DefaultLogInterval,
	}
}

// withDefaults fills the zero fields that have a default.
func (b Backoff) withDefaults() Backoff {
	d := DefaultBackoff()
	if b.InitialWait <= 0 {
		b.InitialWait = d.InitialWait
	}
	if b.MaxWait <= 0 {
		b.MaxWait = d.MaxWait
	}
	b.MaxWait = max(b.MaxWait, b.InitialWait)
	if b.AuthWindow <= 0 {
		b.AuthWindow = d.AuthWindow
	}
	if b.LogInterval <= 0 {
		b.LogInterval = d.LogInterval
	}
	return b
}

// Retry calls fn until it succeeds, fails permanently or ctx is done,
// waiting between attempts as b says. op names the operation in log lines.
// Each call of fn gets a context bounded by b.AttemptTimeout, when set;
// client-go's own retries on a Retry-After answer happen within a call (see
// retryAfterLogger).
//
// Connection errors, timeouts, 429 and 5xx are retried; when the server
// sends a Retry-After (apierrors.SuggestsClientDelay), the wait is at least
// that long. 401 and 403 are retried for b.AuthWindow after the first, then
// returned with a note that a permission is missing. Any other error (400,
// 404, 409, 422...) is returned at once, unwrapped, for the caller to branch
// on. When ctx is done, the error wraps both ctx.Err() and the last
// attempt's error. Each wait is logged, at info for the first and then at
// most once per b.LogInterval, at debug otherwise.
func Retry(ctx context.Context, log *zap.Logger, op string, b Backoff, fn func(context.Context) error) error {
	r := &retrier{log: log, op: op, b: b.withDefaults(), clock: clock.RealClock{}}
	return r.run(ctx, fn)
}

// retrier is the state of one Retry call.
type retrier struct {
	log   *zap.Logger
	op    string
	b     Backoff
	clock clock.Clock

	attempt   int
	firstDeny time.Time // when the first 401 or 403 came; zero before
	lastInfo  time.Time // when a wait was last logged at info; zero before
}

func (r *retrier) run(ctx context.Context, fn func(context.Context) error) error {
	for {
		r.attempt++
		err := r.try(ctx, fn)
		if err == nil {
			r.logRecovered()
			return nil
		}
		if ctx.Err() != nil {
			return r.interrupted(ctx, err)
		}

		wait, final := r.next(err)
		if final != nil {
			return final
		}

		r.logWait(wait, err)
		if !r.sleep(ctx, wait) {
			return r.interrupted(ctx, err)
		}
	}
}

// try makes one attempt, within b.AttemptTimeout when it is set.
func (r *retrier) try(ctx context.Context, fn func(context.Context) error) error {
	if r.b.AttemptTimeout <= 0 {
		return fn(ctx)
	}
	ctx, cancel := context.WithTimeout(ctx, r.b.AttemptTimeout)
	defer cancel()
	return fn(ctx)
}

// next returns how long to wait after the attempt that failed with err, or
// the error to return when there is to be no other attempt.
func (r *retrier) next(err error) (time.Duration, error) {
	switch classify(err) {
	case permanent:
		return 0, err
	case denied:
		if r.firstDeny.IsZero() {
			r.firstDeny = r.clock.Now()
		}
		if r.clock.Since(r.firstDeny) >= r.b.AuthWindow {
			return 0, deniedError(err, r.b.AuthWindow)
		}
	}
	return max(r.backoff(), serverDelay(err)), nil
}

// backoff returns the wait before attempt r.attempt+1: InitialWait doubled
// once per attempt made so far after the first, capped at MaxWait, with
// equal jitter.
func (r *retrier) backoff() time.Duration {
	d := r.b.InitialWait
	for i := 1; i < r.attempt && d < r.b.MaxWait; i++ {
		d *= backoffFactor
	}
	d = min(d, r.b.MaxWait)
	half := d / 2
	return d - half + rand.N(half+1)
}

// serverDelay returns the delay the server asked for, capped, or zero.
func serverDelay(err error) time.Duration {
	seconds, ok := apierrors.SuggestsClientDelay(err)
	if !ok {
		return 0
	}
	return min(time.Duration(seconds)*time.Second, maxServerDelay)
}

// sleep waits for d, reporting false when ctx ended the wait early.
func (r *retrier) sleep(ctx context.Context, d time.Duration) bool {
	t := r.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
		return true
	}
}

func (r *retrier) logWait(wait time.Duration, err error) {
	fields := []zap.Field{
		zap.String("op", r.op),
		zap.Int("attempt", r.attempt),
		zap.Duration("wait", wait),
		zap.Error(err),
	}
	now := r.clock.Now()
	if r.lastInfo.IsZero() || now.Sub(r.lastInfo) >= r.b.LogInterval {
		r.lastInfo = now
		r.log.Info(logWaiting, fields...)
		return
	}
	r.log.Debug(logWaiting, fields...)
}

// logRecovered closes, at info, a series of logged waits.
func (r *retrier) logRecovered() {
	if r.attempt > 1 {
		r.log.Info("retried operation succeeded", zap.String("op", r.op), zap.Int("attempts", r.attempt))
	}
}

func (r *retrier) interrupted(ctx context.Context, last error) error {
	return fmt.Errorf("%w after %d attempts, last error: %w", ctx.Err(), r.attempt, last)
}

// deniedError explains a 401 or 403 that outlasted the window. The server's
// message, kept whole, names the user, verb and resource.
func deniedError(err error, window time.Duration) error {
	if apierrors.IsUnauthorized(err) {
		return fmt.Errorf("still unauthorized after %s, the credentials are not accepted: %w", window, err)
	}
	return fmt.Errorf("still forbidden after %s, RBAC lacks the permission named here: %w", window, err)
}
