package certs

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/certs"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

const (
	// rotationTestTimeout bounds TestCARotationDrivenByApply: a reload of
	// the webhook and four apply runs, one with the settle delay.
	rotationTestTimeout = 4 * time.Minute
	// caLifetime and caAge make the seeded CA past two thirds of its life
	// (7 of 10 years) yet valid for years.
	caLifetime = 10 * 365 * 24 * time.Hour
	caAge      = 7 * 365 * 24 * time.Hour
)

// TestCARotationDrivenByApply rotates the webhook CA through apply runs
// while a reader and a writer go through the webhook, and checks each step:
// the caBundle holds both CAs while the serving certificate moves to the
// new one, then the new one alone; no read or write fails throughout.
//
// The old CA is made old by seeding the Secret with a CA issued seven
// years ago, and the wait for the webhooks to reload (ServingSwitchGrace)
// is cut short by moving the switch time back, but only once the webhook
// is seen serving the new certificate, which is what the wait stands for.
// Neither needs a knob in the binary.
func TestCARotationDrivenByApply(t *testing.T) {
	ctx := framework.Reset(t, cp.Config, rotationTestTimeout)
	now := time.Now()
	oldCA := newCA(t, "test-old-ca", now.Add(-caAge), now.Add(caLifetime-caAge))
	seedSecret(ctx, t, oldCA, newServing(t, oldCA, now.Add(certs.ServingLifetime)))
	port := framework.FreePort(t)
	installTrusting(ctx, t, port, oldCA)
	w := framework.StartWebhook(ctx, t, cp.Kubeconfig, port)
	tr := startTraffic(ctx, t)
	counts := tr.progress(t, "before the rotation", [2]int64{})

	// Steps 1 and 2: a new CA, trusted by every CRD, then signing.
	run := applyRun(ctx, t, port)
	expectLog(t, run, "webhook CA rotation started")
	expectLog(t, run, "webhook serving certificate switched to the new CA")
	secret := getSecret(ctx, t)
	newCA := rotationCAs(t, secret, oldCA)
	expectCABundles(ctx, t, oldCA.cert, newCA)
	counts = tr.progress(t, "both CAs trusted", counts)

	// Step 3 must wait: the webhook may still serve the old certificate.
	run = applyRun(ctx, t, port)
	expectLog(t, run, "webhook CA rotation waits for webhooks to load the new certificate")
	expectCABundles(ctx, t, oldCA.cert, newCA)

	waitServing(t, w, servingOf(t, secret), reloadTimeout)
	counts = tr.progress(t, "new certificate served", counts)
	updateSecret(ctx, t, func(s *corev1.Secret) {
		s.Annotations[certs.SwitchedAtAnnotation] = time.Now().Add(-certs.ServingSwitchGrace).UTC().Format(time.RFC3339)
	})

	// Step 3: the old CA leaves.
	run = applyRun(ctx, t, port)
	expectLog(t, run, "webhook CA rotation finished")
	expectCABundles(ctx, t, newCA)
	checkRotated(ctx, t, newCA)
	tr.progress(t, "new CA alone", counts)
	tr.expectNoFailures(t)
}

// installTrusting applies the bundle with ca alone in the caBundle, from a
// file: the CRDs as a run of apply years ago left them.
func installTrusting(ctx context.Context, t *testing.T, port int, ca issued) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, ca.certPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	applyRun(ctx, t, port, "--ca-bundle-source", "file", "--ca-bundle-file", file)
	expectCABundles(ctx, t, ca.cert)
}

// rotationCAs checks the Secret after steps 1 and 2 and returns its new CA.
func rotationCAs(t *testing.T, secret *corev1.Secret, oldCA issued) *x509.Certificate {
	t.Helper()
	if got := secret.Annotations[certs.RotationPhaseAnnotation]; got != certs.PhaseSigning {
		t.Fatalf("%s = %q, want %q", certs.RotationPhaseAnnotation, got, certs.PhaseSigning)
	}
	bundle := parseBundle(t, certs.CACertKey, secret.Data[certs.CACertKey])
	if len(bundle) != 2 || !bundle[0].Equal(oldCA.cert) {
		t.Fatalf("%s holds [%v], want the old CA and a new one", certs.CACertKey, names(bundle))
	}
	newCA := bundle[1]
	if err := servingOf(t, secret).CheckSignatureFrom(newCA); err != nil {
		t.Errorf("serving certificate not signed by the new CA: %v", err)
	}
	return newCA
}

// checkRotated checks the Secret after step 3: the new CA alone, signing
// the serving certificate, and no rotation recorded.
func checkRotated(ctx context.Context, t *testing.T, newCA *x509.Certificate) {
	t.Helper()
	secret := getSecret(ctx, t)
	if bundle := parseBundle(t, certs.CACertKey, secret.Data[certs.CACertKey]); !sameCAs(bundle, newCA) {
		t.Errorf("%s holds [%v], want the new CA alone", certs.CACertKey, names(bundle))
	}
	if err := servingOf(t, secret).CheckSignatureFrom(newCA); err != nil {
		t.Errorf("serving certificate not signed by the new CA: %v", err)
	}
	for _, key := range []string{certs.RotationPhaseAnnotation, certs.SwitchedAtAnnotation} {
		if v, ok := secret.Annotations[key]; ok {
			t.Errorf("annotation %s = %q left after the rotation", key, v)
		}
	}
}
