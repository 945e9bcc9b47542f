package certs

import (
	"context"
	"crypto/x509"
	"strings"
	"testing"

	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// applyRun runs the binary's apply, pointing the CRDs at port on loopback,
// with more flags, and fails the test unless it exits 0.
func applyRun(ctx context.Context, t *testing.T, port int, more ...string) framework.Run {
	t.Helper()
	return framework.MustExec(ctx, t, cp.Kubeconfig, 0, framework.ApplyArgs(framework.Namespace, port, more...)...)
}

// expectLog fails the test unless run logged msg.
func expectLog(t *testing.T, run framework.Run, msg string) {
	t.Helper()
	if len(run.Find(msg, nil)) == 0 {
		t.Errorf("apply did not log %q; stderr:\n%s", msg, run.Stderr)
	}
}

// expectCABundles checks that every multi-version CRD of the bundle has
// exactly want in its caBundle.
func expectCABundles(ctx context.Context, t *testing.T, want ...*x509.Certificate) {
	t.Helper()
	live := framework.MustListCRDs(ctx, t, cp.Config)
	checked := 0
	for _, crd := range framework.MustBundle(t).CRDs() {
		if len(crd.Spec.Versions) < 2 {
			continue
		}
		checked++
		conv := live[crd.Name].Spec.Conversion
		if conv == nil || conv.Webhook == nil || conv.Webhook.ClientConfig == nil {
			t.Errorf("CRD %s has no conversion webhook", crd.Name)
			continue
		}
		got := parseBundle(t, "caBundle of "+crd.Name, conv.Webhook.ClientConfig.CABundle)
		if !sameCAs(got, want...) {
			t.Errorf("caBundle of %s holds [%s], want [%s]", crd.Name,
				strings.Join(names(got), " "), strings.Join(names(want), " "))
		}
	}
	if checked == 0 {
		t.Fatal("the bundle has no multi-version CRD to check")
	}
}
