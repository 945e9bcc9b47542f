package twomeshes

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/certs"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

const (
	// testTimeout bounds each test.
	testTimeout = 3 * time.Minute
	// readyTimeout bounds the wait for a webhook's /readyz.
	readyTimeout = 30 * time.Second
	// pollInterval is how often the helpers that wait look again.
	pollInterval = 50 * time.Millisecond
	// stopTimeout bounds a webhook's exit after SIGTERM.
	stopTimeout = 20 * time.Second
	// service is the webhook Service name both meshes use, the default.
	service = "osm-bootstrap"
)

// mesh is one control plane: its namespace, the loopback port its
// webhook serves on (which its apply writes into the CRDs), and the
// webhook process while it runs.
type mesh struct {
	namespace string
	port      int
	hook      *webhook
}

// newMesh creates the mesh's namespace, without the TLS Secret a previous
// test may have left, and picks its port.
func newMesh(ctx context.Context, t *testing.T, namespace string) *mesh {
	t.Helper()
	client := kubernetes.NewForConfigOrDie(cp.Config).CoreV1()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}
	if _, err := client.Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	m := &mesh{namespace: namespace, port: freePort(t)}
	m.deleteSecret(ctx, t)
	t.Cleanup(func() { m.stop(t) })
	return m
}

// owner is the conversion-owner annotation the mesh's apply writes.
func (m *mesh) owner() string { return m.namespace + "/" + service }

// url is the webhook URL of crd that the mesh's apply writes.
func (m *mesh) url(crd string) string {
	return fmt.Sprintf("https://127.0.0.1:%d/convert/%s", m.port, crd)
}

// apply runs the mesh's apply with extra flags; it must exit 0.
func (m *mesh) apply(ctx context.Context, t *testing.T, extra ...string) framework.Run {
	t.Helper()
	args := append([]string{"apply", "--namespace", m.namespace,
		"--webhook-url", fmt.Sprintf("https://127.0.0.1:%d", m.port)}, extra...)
	run, err := framework.Exec(ctx, cp.Kubeconfig, args...)
	if err != nil {
		t.Fatal(err)
	}
	if run.Code != 0 {
		t.Fatalf("apply in %s: exit code %d\nstderr:\n%s", m.namespace, run.Code, run.Stderr)
	}
	return run
}

// ca returns the CA of the mesh's TLS Secret, which its apply created.
func (m *mesh) ca(ctx context.Context, t *testing.T) []byte {
	t.Helper()
	secret, err := kubernetes.NewForConfigOrDie(cp.Config).CoreV1().Secrets(m.namespace).Get(ctx, certs.SecretName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("TLS secret of %s: %v", m.namespace, err)
	}
	return secret.Data[certs.CACertKey]
}

func (m *mesh) deleteSecret(ctx context.Context, t *testing.T) {
	t.Helper()
	err := kubernetes.NewForConfigOrDie(cp.Config).CoreV1().Secrets(m.namespace).Delete(ctx, certs.SecretName, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
}

// start runs the mesh's webhook, serving from its Secret, and waits until
// it is ready.
func (m *mesh) start(ctx context.Context, t *testing.T) {
	t.Helper()
	w := &webhook{healthPort: freePort(t)}
	var err error
	w.cmd, w.stdout, w.stderr, err = framework.Command(ctx, cp.Kubeconfig, "webhook",
		"--port", strconv.Itoa(m.port), "--health-port", strconv.Itoa(w.healthPort),
		"--namespace", m.namespace, "--drain-delay", "0s")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m.hook = w
	w.waitReady(t)
}

// stop ends the mesh's webhook, if it runs, and checks it exits cleanly.
func (m *mesh) stop(t *testing.T) {
	t.Helper()
	if m.hook != nil {
		m.hook.stop(t)
		m.hook = nil
	}
}

// reviews is how many conversion reviews of crd the mesh's running
// webhook has answered with success.
func (m *mesh) reviews(t *testing.T, crd string) float64 {
	t.Helper()
	if m.hook == nil {
		t.Fatalf("the webhook of %s is not running", m.namespace)
	}
	return m.hook.reviews(t, crd)
}

// webhook is a running webhook process.
type webhook struct {
	healthPort     int
	cmd            *exec.Cmd
	stdout, stderr *bytes.Buffer
}

func (w *webhook) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		if code, _, err := w.health("/readyz"); err == nil && code == http.StatusOK {
			return
		}
		time.Sleep(pollInterval)
	}
	t.Fatalf("webhook not ready after %s; stderr:\n%s", readyTimeout, w.stderr)
}

func (w *webhook) health(path string) (int, string, error) {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", w.healthPort, path))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// reviews sums the successful reviews of crd on /metrics.
func (w *webhook) reviews(t *testing.T, crd string) float64 {
	t.Helper()
	code, body, err := w.health("/metrics")
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
