package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

const (
	// testTimeout bounds each test.
	testTimeout = 3 * time.Minute
	// readyTimeout bounds the wait for the webhook's /readyz.
	readyTimeout = 30 * time.Second
	// pollInterval is how often /readyz is asked.
	pollInterval = 100 * time.Millisecond
	// stopTimeout bounds the webhook's exit after SIGTERM.
	stopTimeout = 20 * time.Second
)

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

// webhook is a running webhook binary.
type webhook struct {
	port, healthPort int
	cmd              *exec.Cmd
	stdout, stderr   *bytes.Buffer
}

// startWebhook runs the binary's webhook, reading the Secret in the test
// namespace, waits until it is ready and stops it when the test ends.
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
		if code, _, err := w.health("/readyz"); err == nil && code == http.StatusOK {
			return
		}
		time.Sleep(pollInterval)
	}
	t.Fatalf("webhook not ready after %s; stderr:\n%s", readyTimeout, w.stderr)
}

// health gets a path of the health port.
func (w *webhook) health(path string) (int, string, error) {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", w.healthPort, path))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
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

// apply runs the binary's apply, pointing the CRDs at port on loopback.
func apply(ctx context.Context, t *testing.T, port int) {
	t.Helper()
	run, err := framework.Exec(ctx, cp.Kubeconfig, "apply", "--namespace", framework.Namespace,
		"--webhook-url", fmt.Sprintf("https://127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	if run.Code != 0 {
		t.Fatalf("apply: exit code %d\nstderr:\n%s", run.Code, run.Stderr)
	}
}

// readObject reads a test object of test/testdata/objects.
func readObject(t *testing.T, crd, file string) *unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(framework.RepoRoot(), "test", "testdata", "objects", crd, file))
	if err != nil {
		t.Fatal(err)
	}
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(data, &obj.Object); err != nil {
		t.Fatal(err)
	}
	return obj
}

// withoutServerMetadata returns a copy of obj without what the API server
// adds to metadata.
func withoutServerMetadata(obj *unstructured.Unstructured) map[string]any {
	c := obj.DeepCopy()
	for _, f := range []string{"uid", "resourceVersion", "generation", "creationTimestamp", "managedFields"} {
		unstructured.RemoveNestedField(c.Object, "metadata", f)
	}
	return c.Object
}
