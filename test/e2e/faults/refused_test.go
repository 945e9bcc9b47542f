package faults

import (
	"strings"
	"testing"
	"time"

	"github.com/flomesh-io/init-osm-bootstrap/test/faultproxy"
)

// refuseFor is how long the API server refuses connections.
const refuseFor = 10 * time.Second

// Bounds on the waits logged while the server refuses: the backoff (250 ms
// doubling to 4 s) makes about six attempts in refuseFor, and info lines
// come at most every 10 s. A busy loop would log hundreds.
const (
	minWaits     = 3
	maxWaits     = 20
	maxInfoWaits = 3
)

// TestWaitsWhileConnectionsAreRefused starts the binary while the API
// server refuses connections; once it answers, the binary must finish the
// install, having logged its waits at a calm rate.
func TestWaitsWhileConnectionsAreRefused(t *testing.T) {
	ctx := setup(t)
	proxy, kubeconfig := tcpProxy(t)
	if err := proxy.SetMode(faultproxy.Refuse); err != nil {
		t.Fatal(err)
	}
	backErr := make(chan error, 1)
	back := time.AfterFunc(refuseFor, func() { backErr <- proxy.SetMode(faultproxy.Pass) })
	t.Cleanup(func() { back.Stop() })

	began := time.Now()
	run := apply(ctx, t, kubeconfig, 0, applyArgs(runTimeout)...)
	took := time.Since(began)
	if err := <-backErr; err != nil {
		t.Fatal(err)
	}
	if took < refuseFor {
		t.Errorf("finished in %s, before the server answered: the fault did not apply", took)
	}

	waits := run.Find("waiting to retry", nil)
	info := run.Find("waiting to retry", map[string]any{"level": "info"})
	t.Logf("finished in %s after %d waits, %d logged at info", took, len(waits), len(info))
	refused := 0
	for _, w := range waits {
		if s, _ := w["error"].(string); strings.Contains(s, "connection refused") {
			refused++
		}
	}
	if refused < minWaits || len(waits) > maxWaits {
		t.Errorf("%d waits logged, %d of them on a refused connection; want %d to %d\n%s",
			len(waits), refused, minWaits, maxWaits, stderrOf(run))
	}
	if len(info) > maxInfoWaits {
		t.Errorf("%d waits logged at info, want at most %d", len(info), maxInfoWaits)
	}
	if len(run.Find("retried operation succeeded", nil)) == 0 {
		t.Errorf("no line says that the retried operation succeeded")
	}
	checkConverged(ctx, t)
}
