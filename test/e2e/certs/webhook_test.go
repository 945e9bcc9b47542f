package certs

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

const (
	// pollInterval is how often the tests look again at what they wait for.
	pollInterval = 200 * time.Millisecond
	// dialTimeout bounds one TLS handshake with the webhook.
	dialTimeout = 5 * time.Second
)

// served returns the certificate the webhook on port presents in a TLS
// handshake.
func served(port int) (*x509.Certificate, error) {
	dialer := &net.Dialer{Timeout: dialTimeout}
	// Verification is the API server's job; the test only looks at what is
	// presented.
	conn, err := tls.DialWithDialer(dialer, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		&tls.Config{InsecureSkipVerify: true, ServerName: "localhost"}) //nolint:gosec // see above
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0], nil
}

// waitServing waits until the webhook presents the certificate want.
func waitServing(t *testing.T, w *framework.Webhook, want *x509.Certificate, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var got *x509.Certificate
	var err error
	for time.Now().Before(deadline) {
		if got, err = served(w.Port); err == nil && got.Equal(want) {
			return
		}
		time.Sleep(pollInterval)
	}
	if err != nil {
		t.Fatalf("webhook handshake: %v", err)
	}
	t.Fatalf("webhook still serves %s (serial %s, issuer %s) after %s, want serial %s of %s; stderr:\n%s",
		got.Subject.CommonName, got.SerialNumber, got.Issuer.CommonName, timeout,
		want.SerialNumber, want.Issuer.CommonName, w.Log().Stderr)
}
