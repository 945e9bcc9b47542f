package certs

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

const (
	// readyTimeout bounds the wait for the webhook's /readyz.
	readyTimeout = 30 * time.Second
	// pollInterval is how often the tests look again at what they wait for.
	pollInterval = 200 * time.Millisecond
	// stopTimeout bounds the webhook's exit after SIGTERM.
	stopTimeout = 20 * time.Second
	// dialTimeout bounds one TLS handshake with the webhook.
	dialTimeout = 5 * time.Second
)

// webhook is a running webhook binary serving from the Secret.
// TODO(certs): share with test/e2e/webhook through test/framework; kept here to stay out of files others edit.
type webhook struct {
	port, healthPort int
	cmd              *exec.Cmd
	stdout, stderr   *bytes.Buffer
}

// freePort returns a loopback port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startWebhook runs the binary's webhook on port, reading the Secret in the
// test namespace, waits until it is ready and stops it when the test ends.
func startWebhook(ctx context.Context, t *testing.T, port int) *webhook {
	t.Helper()
	w := &webhook{port: port, healthPort: freePort(t)}
	var err error
	w.cmd, w.stdout, w.stderr, err = framework.Command(ctx, cp.Kubeconfig, "webhook",
		"--port", strconv.Itoa(w.port), "--health-port", strconv.Itoa(w.healthPort),
		"--namespace", framework.Namespace, "--drain-delay", "0s")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.stop(t) })
	w.waitReady(t)
	return w
}

func (w *webhook) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", w.healthPort))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(pollInterval)
	}
	t.Fatalf("webhook not ready after %s; stderr:\n%s", readyTimeout, w.stderr)
}

// stop sends SIGTERM and checks that the webhook exits cleanly.
func (w *webhook) stop(t *testing.T) {
	t.Helper()
	if err := w.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return
	}
	done := make(chan framework.Run, 1)
	go func() {
		run, _ := framework.Wait(w.cmd, w.stdout, w.stderr)
		done <- run
	}()
	select {
	case run := <-done:
		if run.Code != 0 {
			t.Errorf("webhook exited with %d after SIGTERM; stderr:\n%s", run.Code, run.Stderr)
		}
	case <-time.After(stopTimeout):
		_ = w.cmd.Process.Kill()
		t.Errorf("webhook still running %s after SIGTERM", stopTimeout)
	}
}

// served returns the certificate the webhook presents in a TLS handshake.
func (w *webhook) served() (*x509.Certificate, error) {
	dialer := &net.Dialer{Timeout: dialTimeout}
	// Verification is the API server's job; the test only looks at what is
	// presented.
	conn, err := tls.DialWithDialer(dialer, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(w.port)),
		&tls.Config{InsecureSkipVerify: true, ServerName: "localhost"}) //nolint:gosec // see above
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0], nil
}

// waitServing waits until the webhook presents the certificate want.
func (w *webhook) waitServing(t *testing.T, want *x509.Certificate, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var got *x509.Certificate
	var err error
	for time.Now().Before(deadline) {
		if got, err = w.served(); err == nil && got.Equal(want) {
			return
		}
		time.Sleep(pollInterval)
	}
	if err != nil {
		t.Fatalf("webhook handshake: %v", err)
	}
	t.Fatalf("webhook still serves %s (serial %s, issuer %s) after %s, want serial %s of %s; stderr:\n%s",
		got.Subject.CommonName, got.SerialNumber, got.Issuer.CommonName, timeout,
		want.SerialNumber, want.Issuer.CommonName, w.stderr)
}
