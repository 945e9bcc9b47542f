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
	s := NewSecretCertSource(client, "osm-system", nil, zap.NewNop())
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
