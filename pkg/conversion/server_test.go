package conversion

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeSelfSigned writes a self-signed certificate for 127.0.0.1 and its
// key into dir and returns their paths and the certificate's pool.
func writeSelfSigned(t *testing.T, dir string, notAfter time.Time) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter,
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	writeFile(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	writeFile(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

type running struct {
	webhook, health string
	pool            *x509.CertPool
	cancel          context.CancelFunc
	done            chan error
	metrics         *Metrics
}

func startServer(t *testing.T, drain time.Duration) *running {
	t.Helper()
	certFile, keyFile, pool := writeSelfSigned(t, t.TempDir(), time.Now().Add(24*time.Hour))
	r, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	metrics := NewMetrics()
	srv := NewServer(ServerOptions{DrainDelay: drain}, r, NewFileCertSource(certFile, keyFile, metrics, nil), metrics)
	tl, hl := listen(t), listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.serve(ctx, tl, hl) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	run := &running{webhook: tl.Addr().String(), health: hl.Addr().String(), pool: pool, cancel: cancel, done: done, metrics: metrics}
	waitReady(t, run.health)
	return run
}

func waitReady(t *testing.T, health string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + health + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("webhook never ready")
}

func (r *running) client(cfg *tls.Config) *http.Client {
	if cfg.RootCAs == nil {
		cfg.RootCAs = r.pool
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true}, Timeout: 10 * time.Second}
}

func TestServerAnswersOverTLS(t *testing.T) {
	run := startServer(t, 0)
	body := reviewBody(reviewV1, "uid-1", "access.smi-spec.io/v1alpha3", ttV1a1)
	resp, err := run.client(&tls.Config{}).Post("https://"+run.webhook+ttPath, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(data), `"status":"Success"`) {
		t.Fatalf("%d %s", resp.StatusCode, data)
	}
	if resp.ProtoMajor != 1 {
		t.Errorf("protocol %s, want HTTP/1.1", resp.Proto)
	}
	if resp.TLS.Version < tls.VersionTLS12 {
		t.Errorf("TLS version %x", resp.TLS.Version)
	}
	metrics := get(t, "http://"+run.health+"/metrics")
	if !strings.Contains(metrics, `osm_bootstrap_conversion_reviews_total{crd="traffictargets.access.smi-spec.io",from="v1alpha1",result="success",to="v1alpha3"} 1`) {
		t.Errorf("review not counted:\n%s", metrics)
	}
	if !strings.Contains(metrics, "osm_bootstrap_conversion_serving_certificate_expiry_seconds 8") {
		t.Errorf("certificate expiry (about a day) missing:\n%s", metrics)
	}
}

func TestServerRefusesOldTLS(t *testing.T) {
	run := startServer(t, 0)
	conn, err := tls.Dial("tcp", run.webhook, &tls.Config{RootCAs: run.pool, MaxVersion: tls.VersionTLS11})
	if err == nil {
		conn.Close()
		t.Fatal("TLS 1.1 handshake succeeded")
	}
}

func TestServerHealth(t *testing.T) {
	run := startServer(t, 0)
	for _, path := range []string{"/healthz", "/readyz"} {
		if got := get(t, "http://"+run.health+path); got != "ok\n" {
			t.Errorf("%s: %q", path, got)
		}
	}
}

func TestServerDrainsThenStops(t *testing.T) {
	const drain = 500 * time.Millisecond
	run := startServer(t, drain)
	start := time.Now()
	run.cancel()
	time.Sleep(drain / 5)
	resp, err := http.Get("http://" + run.health + "/readyz")
	if err != nil {
		t.Fatalf("health server stopped before the drain delay: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz while draining: %d, want 503", resp.StatusCode)
	}
	if _, err := run.client(&tls.Config{}).Get("https://" + run.webhook + "/healthz"); err != nil {
		t.Errorf("webhook stopped before the drain delay: %v", err)
	}
	if err := <-run.done; err != nil {
		t.Fatal(err)
	}
	run.done <- nil // for the cleanup
	if took := time.Since(start); took < drain {
		t.Errorf("stopped after %s, before the drain delay %s", took, drain)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return string(data)
}
