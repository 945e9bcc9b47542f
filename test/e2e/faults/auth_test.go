package faults

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/kube"
	"github.com/flomesh-io/init-osm-bootstrap/test/faultproxy"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// The run denied past the auth window. The window cannot be shortened
// from the command line, so the run lasts kube.DefaultAuthWindow.
const (
	// deniedRunTimeout is the binary's --timeout: far past the window,
	// so that the window, not the deadline, ends the run.
	deniedRunTimeout = "2m"
	// firstWriteLimit bounds the wait for the binary's first CRD write.
	firstWriteLimit = 30 * time.Second
	// deniedSlack is how long after the window the run may still end:
	// one capped backoff wait and a busy machine.
	deniedSlack = kube.DefaultMaxWait + 10*time.Second
	// deniedExitLimit bounds the whole wait for the denied run.
	deniedExitLimit = 2 * time.Minute
)

// forbiddenMessage is worded as the API server's RBAC denials are, naming
// the user, the verb and the resource.
const forbiddenMessage = `customresourcedefinitions.apiextensions.k8s.io is forbidden: ` +
	`User "system:serviceaccount:osm-system:osm-bootstrap" cannot patch resource ` +
	`"customresourcedefinitions" in API group "apiextensions.k8s.io" at the cluster scope`

// TestFailsWhenForbiddenPastTheAuthWindow denies every CRD write. The
// binary retries for the auth window, then fails with exit code 1 and an
// error naming each CRD and the server's denial.
//
// The run lasts the window (30 s). Once its first write is denied, it
// sends nothing else that the cluster's state could change: the test then
// calls t.Parallel and waits for it while the package's other tests run.
// This file's name sorts first so that the run starts before them.
func TestFailsWhenForbiddenPastTheAuthWindow(t *testing.T) {
	ctx := setup(t)
	proxy, kubeconfig := httpProxy(t)
	fault := proxy.Add(faultproxy.Rule{Match: crdWrites, Status: http.StatusForbidden, Message: forbiddenMessage})
	p := start(ctx, t, kubeconfig, applyArgs(deniedRunTimeout)...)
	waitUntil(t, firstWriteLimit, "the first CRD write", func() bool {
		return fault.Hits() > 0 || isClosed(p.done)
	})

	t.Parallel()
	run := p.wait(t, deniedExitLimit)
	if run.Code != 1 {
		t.Fatalf("exit code %d, want 1\n%s", run.Code, stderrOf(run))
	}
	took := p.exited.Sub(fault.FirstHit())
	t.Logf("failed %s after the first denial", took)
	if took < kube.DefaultAuthWindow || took > kube.DefaultAuthWindow+deniedSlack {
		t.Errorf("failed %s after the first denial, want the auth window, %s, to %s more",
			took, kube.DefaultAuthWindow, deniedSlack)
	}

	checkDeniedError(t, run.Stderr)
	for _, r := range proxy.Requests(crdWrites) {
		if !r.Faulted {
			t.Errorf("a CRD write passed: %s %s", r.Method, r.Path)
		}
	}
	checkCalmDenials(t, run.Find("waiting to retry", map[string]any{"level": "info"}))
}

// checkDeniedError checks the binary's final error: each CRD's write is
// named, says that the permission is still missing after the window, and
// keeps the server's message whole.
func checkDeniedError(t *testing.T, stderr string) {
	t.Helper()
	final := stderr[strings.LastIndex(stderr, "init-osm-bootstrap: "):]
	b, err := crds.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range b.Names() {
		want := "apply CRD " + name + ": still forbidden after " + kube.DefaultAuthWindow.String()
		if !strings.Contains(final, want) {
			t.Errorf("the error does not say %q:\n%s", want, final)
		}
	}
	if !strings.Contains(final, `cannot patch resource "customresourcedefinitions"`) {
		t.Errorf("the error lost the server's message:\n%s", final)
	}
	if strings.Contains(final, "context deadline exceeded") {
		t.Errorf("the deadline ended the run, not the auth window:\n%s", final)
	}
}

// checkCalmDenials bounds the waits logged at info: per CRD, the first and
// then one per kube.DefaultLogInterval.
func checkCalmDenials(t *testing.T, info []framework.LogLine) {
	t.Helper()
	b, err := crds.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	perCRD := int(kube.DefaultAuthWindow/kube.DefaultLogInterval) + 1
	if limit := len(b.Names()) * perCRD; len(info) > limit {
		t.Errorf("%d waits logged at info, want at most %d", len(info), limit)
	}
}
