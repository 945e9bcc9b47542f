package faults

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flomesh-io/init-osm-bootstrap/test/faultproxy"
)

// Bounds of the stall tests.
const (
	// stallLimit bounds the wait for the binary to reach the stall.
	stallLimit = 30 * time.Second
	// promptExit is how soon after SIGTERM the binary must be gone: it
	// cancels its requests rather than wait for them.
	promptExit = 3 * time.Second
	// exitLimit bounds the wait for the interrupted binary, past
	// promptExit so that a slow exit is measured rather than killed.
	exitLimit = 20 * time.Second
	// passedWrites is how many CRD writes pass before the writes stall.
	passedWrites = 5
)

// stall is a way to make the binary's requests hang.
type stall struct {
	name string
	// begin starts the fault and returns a kubeconfig through it, a test
	// that the binary is stuck in it, and a function that ends it.
	begin func(t *testing.T) (kubeconfig string, stuck func() bool, end func())
}

var stalls = []stall{
	{
		name: "connections stall from the start",
		begin: func(t *testing.T) (string, func() bool, func()) {
			proxy, kubeconfig := tcpProxy(t)
			if err := proxy.SetMode(faultproxy.Stall); err != nil {
				t.Fatal(err)
			}
			stuck := func() bool { return proxy.Held() > 0 }
			end := func() {
				if err := proxy.SetMode(faultproxy.Pass); err != nil {
					t.Fatal(err)
				}
			}
			return kubeconfig, stuck, end
		},
	},
	{
		name: "CRD writes stall after the first few",
		begin: func(t *testing.T) (string, func() bool, func()) {
			proxy, kubeconfig := httpProxy(t)
			fault := proxy.Add(faultproxy.Rule{Match: crdWrites, Stall: true, Skip: passedWrites})
			return kubeconfig, func() bool { return fault.Hits() > 0 }, proxy.Clear
		},
	},
}

// TestSIGTERMDuringAStall sends SIGTERM while the binary's requests hang:
// it must exit with the interrupted code at once, and a run after the
// fault must finish the install from whatever the first one left.
func TestSIGTERMDuringAStall(t *testing.T) {
	for _, s := range stalls {
		t.Run(s.name, func(t *testing.T) {
			ctx := setup(t)
			kubeconfig, stuck, end := s.begin(t)
			p := start(ctx, t, kubeconfig, applyArgs(runTimeout)...)
			waitUntil(t, stallLimit, "the binary reaching the stall", func() bool {
				return stuck() || isClosed(p.done)
			})

			interrupt(t, p)
			end()
			apply(ctx, t, kubeconfig, 0, applyArgs(runTimeout)...)
			checkConverged(ctx, t)
		})
	}
}

// interrupt sends SIGTERM to p and checks that it exits promptly with the
// interrupted code.
func interrupt(t *testing.T, p *process) {
	t.Helper()
	sent := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	run := p.wait(t, exitLimit)
	took := p.exited.Sub(sent)
	t.Logf("exited %s after SIGTERM", took)
	if run.Code != 130 {
		t.Fatalf("exit code %d after SIGTERM, want 130\n%s", run.Code, stderrOf(run))
	}
	if took > promptExit {
		t.Errorf("exited %s after SIGTERM, want at most %s", took, promptExit)
	}
	if !strings.Contains(run.Stderr, "interrupted") {
		t.Errorf("the error does not say that the run was interrupted:\n%s", stderrOf(run))
	}
}
