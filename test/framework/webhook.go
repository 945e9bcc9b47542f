package framework

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// webhookReadyTimeout bounds the wait for a webhook's /readyz.
	webhookReadyTimeout = 30 * time.Second
	// webhookPoll is how often /readyz is asked.
	webhookPoll = 100 * time.Millisecond
	// webhookStopTimeout bounds a webhook's exit after SIGTERM.
	webhookStopTimeout = 20 * time.Second
)

// FreePort returns a loopback port nothing listens on right now.
func FreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Webhook is a webhook process of the binary, its log read while it runs.
type Webhook struct {
	Port, HealthPort int
	cmd              *exec.Cmd
	stderr           *syncBuffer
	stopOnce         sync.Once
}

// StartWebhook runs `webhook` on port with the Secret of Namespace and the
// extra args, waits until it is ready and stops it when the test ends.
func StartWebhook(ctx context.Context, t *testing.T, kubeconfig string, port int, extra ...string) *Webhook {
	t.Helper()
	return StartWebhookIn(ctx, t, kubeconfig, Namespace, port, extra...)
}

// StartWebhookIn is StartWebhook serving from the Secret of namespace, for
// tests that run more than one mesh.
func StartWebhookIn(ctx context.Context, t *testing.T, kubeconfig, namespace string, port int, extra ...string) *Webhook {
	t.Helper()
	w := &Webhook{Port: port, HealthPort: FreePort(t), stderr: &syncBuffer{}}
	args := append([]string{"webhook", "--port", strconv.Itoa(w.Port), "--health-port", strconv.Itoa(w.HealthPort),
		"--namespace", namespace, "--drain-delay", "0s"}, extra...)
	cmd, _, _, err := Command(ctx, kubeconfig, args...)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = io.Discard, w.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.cmd = cmd
	t.Cleanup(func() { w.Stop(t) })
	w.waitReady(t)
	return w
}

func (w *Webhook) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(webhookReadyTimeout)
	for time.Now().Before(deadline) {
		if code, _, err := w.Health("/readyz"); err == nil && code == http.StatusOK {
			return
		}
		time.Sleep(webhookPoll)
	}
	t.Fatalf("webhook not ready after %s; stderr:\n%s", webhookReadyTimeout, w.stderr)
}

// Health gets a path of the health port.
func (w *Webhook) Health(path string) (int, string, error) {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", w.HealthPort, path))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// Reviews sums the conversion reviews of crd that the webhook's /metrics
// counts as successful, over every from and to version.
func (w *Webhook) Reviews(t *testing.T, crd string) float64 {
	t.Helper()
	code, body, err := w.Health("/metrics")
	if err != nil || code != http.StatusOK {
		t.Fatalf("/metrics: %d %v", code, err)
	}
	line := regexp.MustCompile(`(?m)^osm_bootstrap_conversion_reviews_total\{crd="` + regexp.QuoteMeta(crd) +
		`",from="[^"]*",result="success",to="[^"]*"\} (\S+)$`)
	total := 0.0
	for _, m := range line.FindAllStringSubmatch(body, -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		total += v
	}
	return total
}

// Log is what the webhook has logged so far, as a Run for Find.
func (w *Webhook) Log() Run { return Run{Stderr: w.stderr.String()} }

// Stop sends SIGTERM once and checks that the webhook exits cleanly.
func (w *Webhook) Stop(t *testing.T) {
	t.Helper()
	w.stopOnce.Do(func() {
		if err := w.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			return
		}
		done := make(chan error, 1)
		go func() { done <- w.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("webhook on port %d after SIGTERM: %v; stderr:\n%s", w.Port, err, w.stderr)
			}
		case <-time.After(webhookStopTimeout):
			_ = w.cmd.Process.Signal(os.Kill)
			t.Errorf("webhook on port %d still running %s after SIGTERM", w.Port, webhookStopTimeout)
		}
	})
}

// syncBuffer is a buffer a process writes while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
