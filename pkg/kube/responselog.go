package kube

import (
	"context"
	"net/http"
	"strconv"
	"sync"

	"go.uber.org/zap"
	"k8s.io/client-go/rest"
)

// warningCode is the code of the Warning header the API server sends: 299,
// "miscellaneous persistent warning" (RFC 7234).
const warningCode = 299

// warningLogger logs the warnings an API server sends in response headers
// (deprecated API versions, fields it dropped), each distinct text once: a
// migration reading thousands of objects of a deprecated version would
// otherwise repeat the same line for every request. It replaces client-go's
// default handler, which writes them through klog.
type warningLogger struct {
	log  *zap.Logger
	seen sync.Map // warning text -> struct{}
}

func newWarningLogger(log *zap.Logger) *warningLogger {
	return &warningLogger{log: log}
}

// HandleWarningHeaderWithContext implements rest.WarningHandlerWithContext.
// Other codes than warningCode are ignored, as client-go's own handlers do.
func (w *warningLogger) HandleWarningHeaderWithContext(_ context.Context, code int, _ string, text string) {
	if code != warningCode {
		return
	}
	if _, dup := w.seen.LoadOrStore(text, struct{}{}); dup {
		return
	}
	w.log.Warn("API server warning", zap.String("warning", text))
}

// retryAfterLogger wraps the client's transport to log, at debug, each
// response that client-go's rest client may retry on its own.
//
// client-go (rest.Request, with_retry.go) retries a request by itself when
// the answer is a 429 or any 5xx carrying a Retry-After header: up to 10
// times per request, a limit rest.Config cannot change, sleeping the
// server's Retry-After each time (the API server sends 1 s, 5 s while
// shutting down) and logging only at klog verbosity 4, which is never on
// here. Those retries are therefore bounded (about 10 to 50 s per call, and
// never past the call's context), but without this wrapper they would be
// invisible. Retry sees the error only once client-go gives up, and gives
// each attempt a deadline (Backoff.AttemptTimeout) so that client-go's
// retries cannot stretch one attempt past it.
func retryAfterLogger(log *zap.Logger) func(http.RoundTripper) http.RoundTripper {
	return func(next http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := next.RoundTrip(req)
			if err == nil && asksToRetry(resp) {
				log.Debug("API server asked to retry",
					zap.Int("status", resp.StatusCode),
					zap.String("retryAfter", resp.Header.Get("Retry-After")),
					zap.String("method", req.Method),
					zap.String("path", req.URL.Path))
			}
			return resp, err
		})
	}
}

// asksToRetry mirrors client-go's test for a response it retries: 429 or
// 5xx with a Retry-After in whole seconds.
func asksToRetry(resp *http.Response) bool {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode < http.StatusInternalServerError {
		return false
	}
	_, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	return err == nil
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

var _ rest.WarningHandlerWithContext = (*warningLogger)(nil)
