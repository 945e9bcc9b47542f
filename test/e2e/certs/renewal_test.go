package certs

import (
	"context"
	"crypto"
	"crypto/x509"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/util/keyutil"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/certs"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/conversion"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

const (
	// renewalTestTimeout bounds TestWebhookRenewsServingCertificate: the
	// webhook reads the Secret once a minute.
	renewalTestTimeout = 3 * time.Minute
	// reloadTimeout bounds the wait for the webhook to act on a change of
	// the Secret: one refresh interval and some room.
	reloadTimeout = conversion.SecretRefreshInterval + 30*time.Second
)

// TestWebhookRenewsServingCertificate gives the running webhook a serving
// certificate inside the renewal window and checks that the webhook renews
// it in the Secret from the same CA and serves the new one, while reads
// and writes through the API server in a version that needs the webhook
// keep working.
func TestWebhookRenewsServingCertificate(t *testing.T) {
	ctx := framework.Reset(t, cp.Config, renewalTestTimeout)
	port := framework.FreePort(t)
	applyRun(ctx, t, port)
	w := framework.StartWebhook(ctx, t, cp.Kubeconfig, port)
	tr := startTraffic(ctx, t)
	counts := tr.progress(t, "before the renewal", [2]int64{})

	before := getSecret(ctx, t)
	ca := secretCA(t, before)
	expiring := newServing(t, ca, time.Now().Add(certs.RenewBefore/2))
	updateSecret(ctx, t, func(s *corev1.Secret) {
		s.Data[certs.TLSCertKey] = expiring.certPEM()
		s.Data[certs.TLSKeyKey] = expiring.keyPEM(t)
	})

	renewed := waitRenewed(ctx, t, expiring.cert.SerialNumber.String())
	if err := renewed.CheckSignatureFrom(ca.cert); err != nil {
		t.Errorf("renewed serving certificate not signed by the Secret's CA: %v", err)
	}
	if left := time.Until(renewed.NotAfter); left < certs.ServingLifetime-time.Hour {
		t.Errorf("renewed serving certificate valid for %s, want about %s", left, certs.ServingLifetime)
	}
	waitServing(t, w, renewed, reloadTimeout)
	expectCABundles(ctx, t, ca.cert)

	tr.progress(t, "after the renewal", counts)
	tr.expectNoFailures(t)
}

// secretCA returns the Secret's CA with its key.
func secretCA(t *testing.T, secret *corev1.Secret) issued {
	t.Helper()
	cas := parseBundle(t, certs.CACertKey, secret.Data[certs.CACertKey])
	key, err := keyutil.ParsePrivateKeyPEM(secret.Data[certs.CAKeyKey])
	if err != nil {
		t.Fatal(err)
	}
	return issued{cert: cas[0], key: key.(crypto.Signer)}
}

// waitRenewed waits until the Secret's serving certificate is no longer
// the one with serial and returns the new one.
func waitRenewed(ctx context.Context, t *testing.T, serial string) *x509.Certificate {
	t.Helper()
	deadline := time.Now().Add(reloadTimeout)
	for time.Now().Before(deadline) {
		if leaf := servingOf(t, getSecret(ctx, t)); leaf.SerialNumber.String() != serial {
			return leaf
		}
		time.Sleep(pollInterval)
	}
	t.Fatalf("serving certificate %s not renewed in the Secret after %s", serial, reloadTimeout)
	return nil
}
