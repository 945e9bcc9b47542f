package kube

import (
	"context"
	"net/http"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestWarningLoggerLogsEachWarningOnce(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	w := newWarningLogger(zap.New(core))
	ctx := context.Background()

	const deprecated = "access.smi-spec.io/v1alpha2 TrafficTarget is deprecated"
	w.HandleWarningHeaderWithContext(ctx, warningCode, "-", deprecated)
	w.HandleWarningHeaderWithContext(ctx, warningCode, "-", deprecated)
	w.HandleWarningHeaderWithContext(ctx, warningCode, "-", "unknown field \"spec.foo\"")
	w.HandleWarningHeaderWithContext(ctx, 199, "-", "not from an API server")

	got := logs.FilterMessage("API server warning").All()
	if len(got) != 2 {
		t.Fatalf("%d warnings logged, want 2: %v", len(got), got)
	}
	if got[0].Level != zapcore.WarnLevel || got[0].ContextMap()["warning"] != deprecated {
		t.Errorf("first warning %v at %s", got[0].ContextMap(), got[0].Level)
	}
}

func TestRetryAfterLogger(t *testing.T) {
	cases := []struct {
		name       string
		status     int
		retryAfter string
		wantLogged bool
	}{
		{name: "429 with Retry-After", status: http.StatusTooManyRequests, retryAfter: "1", wantLogged: true},
		{name: "503 with Retry-After", status: http.StatusServiceUnavailable, retryAfter: "5", wantLogged: true},
		{name: "503 without Retry-After", status: http.StatusServiceUnavailable},
		{name: "429 with a date", status: http.StatusTooManyRequests, retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT"},
		{name: "409 with Retry-After", status: http.StatusConflict, retryAfter: "1"},
		{name: "200", status: http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.DebugLevel)
			next := roundTripperFunc(func(*http.Request) (*http.Response, error) {
				resp := &http.Response{StatusCode: tc.status, Header: http.Header{}}
				if tc.retryAfter != "" {
					resp.Header.Set("Retry-After", tc.retryAfter)
				}
				return resp, nil
			})
			rt := retryAfterLogger(zap.New(core))(next)

			req, err := http.NewRequest(http.MethodPatch, "https://10.96.0.1/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := rt.RoundTrip(req)
			if err != nil || resp.StatusCode != tc.status {
				t.Fatalf("round trip returned %v, %v", resp, err)
			}

			got := logs.FilterMessage("API server asked to retry").All()
			if (len(got) == 1) != tc.wantLogged || len(got) > 1 {
				t.Fatalf("%d lines logged, want logged %v", len(got), tc.wantLogged)
			}
			if tc.wantLogged && got[0].ContextMap()["status"] != int64(tc.status) {
				t.Errorf("fields %v", got[0].ContextMap())
			}
		})
	}
}
