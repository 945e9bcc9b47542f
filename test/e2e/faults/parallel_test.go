package faults

import (
	"testing"
	"time"
)

// parallelExitLimit bounds the wait for each of the parallel runs.
const parallelExitLimit = time.Minute

// TestTwoRunsThroughTheProxy starts two runs together through the TCP
// proxy in pass mode, as a rolling update does. test/e2e/apply checks the
// same against the API server directly, and the final state in more
// detail; this one checks that the proxy itself changes nothing.
func TestTwoRunsThroughTheProxy(t *testing.T) {
	ctx := setup(t)
	proxy, kubeconfig := tcpProxy(t)

	runs := []*process{
		start(ctx, t, kubeconfig, applyArgs(runTimeout)...),
		start(ctx, t, kubeconfig, applyArgs(runTimeout)...),
	}
	for i, p := range runs {
		if run := p.wait(t, parallelExitLimit); run.Code != 0 {
			t.Errorf("run %d: exit code %d, want 0\n%s", i, run.Code, stderrOf(run))
		}
	}
	if proxy.Accepted() < len(runs) {
		t.Errorf("the proxy accepted %d connections, want at least one per run", proxy.Accepted())
	}
	checkConverged(ctx, t)
}
