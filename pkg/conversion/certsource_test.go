package conversion

import (
	"context"
	"crypto/tls"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/certs"
)

func TestFileCertSourceReloads(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := writeSelfSigned(t, dir, time.Now().Add(time.Hour))
	metrics := NewMetrics()
	s := NewFileCertSource(certFile, keyFile, metrics, nil)
	if _, err := s.GetCertificate(nil); !errors.Is(err, errNoCertificate) {
		t.Fatalf("before loading: %v, want errNoCertificate", err)
	}
	s.refresh(context.Background())
	first := mustCert(t, s)
	if got := testutil.ToFloat64(metrics.certExpiry); got < 3500 || got > 3600 {
		t.Errorf("expiry %v s, want about an hour", got)
	}

	writeSelfSigned(t, dir, time.Now().Add(2*time.Hour))
	s.refresh(context.Background())
	if second := mustCert(t, s); second == first {
		t.Error("certificate not reloaded after the files changed")
	}

	writeFile(t, keyFile, []byte("garbage"))
	before := mustCert(t, s)
	s.refresh(context.Background())
	if mustCert(t, s) != before {
		t.Error("a broken file replaced the certificate in use")
	}
}

func mustCert(t *testing.T, s *CertSource) *tls.Certificate {
	t.Helper()
	cert, err := s.GetCertificate(nil)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestSecretCertSourceWaitsForSecret(t *testing.T) {
	client := fake.NewClientset()
	s := NewSecretCertSource(client, "osm-system", "osm-bootstrap", nil, zap.NewNop())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)

	time.Sleep(2 * firstLoadRetryInterval)
	if s.Ready() {
		t.Fatal("ready without a Secret")
	}
	_, err := certs.EnsureSecret(ctx, client, "osm-system", "osm-bootstrap",
		func(ctx context.Context, _ string, fn func(context.Context) error) error { return fn(ctx) },
		zap.NewNop(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := client.CoreV1().Secrets("osm-system").Get(ctx, certs.SecretName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := certs.ParseSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * firstLoadRetryInterval)
	for !s.Ready() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := mustCert(t, s); string(got.Certificate[0]) != string(want.Certificate[0]) {
		t.Error("serving a certificate other than the Secret's")
	}
}

func TestSecretCertSourceRenewsExpiring(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset()
	// Issued so long ago that the serving certificate is in its renewal window now.
	issuedAt := time.Now().Add(-(certs.ServingLifetime - certs.RenewBefore + time.Hour))
	_, err := certs.EnsureSecret(ctx, client, "osm-system", "osm-bootstrap", nil, nil,
		func() time.Time { return issuedAt })
	if err != nil {
		t.Fatal(err)
	}
	before, err := client.CoreV1().Secrets("osm-system").Get(ctx, certs.SecretName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := NewSecretCertSource(client, "osm-system", "osm-bootstrap", nil, zap.NewNop())

	s.refresh(ctx)
	after, err := client.CoreV1().Secrets("osm-system").Get(ctx, certs.SecretName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(after.Data[certs.TLSCertKey]) == string(before.Data[certs.TLSCertKey]) {
		t.Fatal("serving certificate not renewed in the Secret")
	}
	if string(after.Data[certs.CACertKey]) != string(before.Data[certs.CACertKey]) {
		t.Error("CA changed on renewal")
	}
	want, err := certs.ParseSecret(after)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustCert(t, s); string(got.Certificate[0]) != string(want.Certificate[0]) {
		t.Error("serving a certificate other than the renewed one")
	}
}

func TestSecretCertSourceKeepsSecretWithoutCAKey(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset()
	issuedAt := time.Now().Add(-(certs.ServingLifetime - certs.RenewBefore + time.Hour))
	if _, err := certs.EnsureSecret(ctx, client, "osm-system", "osm-bootstrap", nil, nil,
		func() time.Time { return issuedAt }); err != nil {
		t.Fatal(err)
	}
	secrets := client.CoreV1().Secrets("osm-system")
	secret, err := secrets.Get(ctx, certs.SecretName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	delete(secret.Data, certs.CAKeyKey)
	if _, err := secrets.Update(ctx, secret, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	client.ClearActions()
	s := NewSecretCertSource(client, "osm-system", "osm-bootstrap", nil, zap.NewNop())

	s.refresh(ctx)
	for _, a := range client.Actions() {
		if a.GetVerb() != "get" {
			t.Errorf("unexpected %s of %s", a.GetVerb(), a.GetResource().Resource)
		}
	}
	want, err := certs.ParseSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustCert(t, s); string(got.Certificate[0]) != string(want.Certificate[0]) {
		t.Error("the expiring certificate is not served while it cannot be renewed")
	}
}

func TestSecretCertSourceNeverCreatesSecret(t *testing.T) {
	client := fake.NewClientset()
	s := NewSecretCertSource(client, "osm-system", "osm-bootstrap", nil, zap.NewNop())

	s.refresh(context.Background())
	if s.Ready() {
		t.Error("ready without a Secret")
	}
	for _, a := range client.Actions() {
		if a.GetVerb() != "get" {
			t.Errorf("unexpected %s of %s", a.GetVerb(), a.GetResource().Resource)
		}
	}
	if len(client.Actions()) == 0 {
		t.Error("the Secret was not read")
	}
}

// TestSecretRefreshFitsTheRotationGrace: a CA rotation drops the old CA
// certs.ServingSwitchGrace after the switch, trusting that every webhook
// has read the Secret again by then.
func TestSecretRefreshFitsTheRotationGrace(t *testing.T) {
	if 2*SecretRefreshInterval > certs.ServingSwitchGrace {
		t.Errorf("SecretRefreshInterval %s: want at most half of certs.ServingSwitchGrace, %s",
			SecretRefreshInterval, certs.ServingSwitchGrace)
	}
	if 2*FileReloadInterval > certs.ServingSwitchGrace-2*time.Minute {
		t.Errorf("FileReloadInterval %s leaves too little of certs.ServingSwitchGrace, %s, for the kubelet's sync",
			FileReloadInterval, certs.ServingSwitchGrace)
	}
}
