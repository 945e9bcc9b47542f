package faults

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/flomesh-io/init-osm-bootstrap/test/faultproxy"
)

// retryAfter is the delay the throttling answers ask for.
const retryAfter = time.Second

// maxWatches bounds the watches of CRDs in one run: the wait for the CRDs
// to be established holds one watch, restarted only if the server ends it.
const maxWatches = 2

// maxRetriedRun bounds a run that rides out a few failed answers: the
// faults cost seconds, so a run much longer waits for nothing.
const maxRetriedRun = 30 * time.Second

// TestRetriesThrottledAndFailingAnswers sends the binary throttling (429),
// unavailable (503) and, briefly, forbidden (403) answers; each is retried
// and the install completes.
func TestRetriesThrottledAndFailingAnswers(t *testing.T) {
	tests := []struct {
		name string
		rule faultproxy.Rule
		// wantHits is how many requests the rule must hit; zero for any
		// number but none.
		wantHits int
		// wantLog is a message the retry must leave in the logs, with
		// fields.
		wantLog   string
		logFields map[string]any
	}{
		{
			name:      "429 with Retry-After on the first requests",
			rule:      faultproxy.Rule{Status: http.StatusTooManyRequests, RetryAfter: retryAfter, Times: 2},
			wantHits:  2,
			wantLog:   "API server asked to retry",
			logFields: map[string]any{"status": 429, "retryAfter": "1"},
		},
		{
			name:      "429 with Retry-After on the first CRD writes",
			rule:      faultproxy.Rule{Match: crdWrites, Status: http.StatusTooManyRequests, RetryAfter: retryAfter, Times: 8},
			wantHits:  8,
			wantLog:   "API server asked to retry",
			logFields: map[string]any{"status": 429, "method": "PATCH"},
		},
		{
			name:      "503 without Retry-After on the first requests",
			rule:      faultproxy.Rule{Status: http.StatusServiceUnavailable, Times: 3},
			wantHits:  3,
			wantLog:   "waiting to retry",
			logFields: map[string]any{"op": "check server version"},
		},
		{
			name:      "503 with Retry-After on the first CRD writes",
			rule:      faultproxy.Rule{Match: crdWrites, Status: http.StatusServiceUnavailable, RetryAfter: retryAfter, Times: 8},
			wantHits:  8,
			wantLog:   "API server asked to retry",
			logFields: map[string]any{"status": 503, "method": "PATCH"},
		},
		{
			name:    "403 on CRD writes for less than the auth window",
			rule:    faultproxy.Rule{Match: crdWrites, Status: http.StatusForbidden, For: 3 * time.Second},
			wantLog: "waiting to retry",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := setup(t)
			proxy, kubeconfig := httpProxy(t)
			fault := proxy.Add(tt.rule)

			began := time.Now()
			run := apply(ctx, t, kubeconfig, 0, applyArgs(runTimeout)...)
			took := time.Since(began)
			t.Logf("finished in %s; the fault hit %d requests", took, fault.Hits())

			if got := fault.Hits(); (tt.wantHits == 0 && got == 0) || (tt.wantHits > 0 && got != tt.wantHits) {
				t.Errorf("the fault hit %d requests, want %s", got, countOrSome(tt.wantHits))
			}
			if len(run.Find(tt.wantLog, tt.logFields)) == 0 {
				t.Errorf("no %q line with %v\n%s", tt.wantLog, tt.logFields, stderrOf(run))
			}
			watches := proxy.Requests(faultproxy.Match{Method: "GET", PathPrefix: crdPath, Query: "watch=true"})
			if len(watches) > maxWatches {
				t.Errorf("%d watches of CRDs, want at most %d: the wait polls rather than watches",
					len(watches), maxWatches)
			}
			if took > maxRetriedRun {
				t.Errorf("took %s, want at most %s", took, maxRetriedRun)
			}
			checkConverged(ctx, t)
		})
	}
}

func countOrSome(n int) string {
	if n == 0 {
		return "some"
	}
	return fmt.Sprint(n)
}
