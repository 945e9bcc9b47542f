package migrate

import (
	"bytes"
	"context"
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
	// stopTimeout bounds a binary's exit after SIGTERM.
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

// startWebhook runs the binary's conversion webhook on port, serving from
// the Secret apply created, and stops it when the test ends.
func startWebhook(ctx context.Context, t *testing.T, port int) {
	t.Helper()
	health := freePort(t)
	cmd, stdout, stderr, err := framework.Command(ctx, cp.Kubeconfig, "webhook", "--port", strconv.Itoa(port),
		"--health-port", strconv.Itoa(health), "--namespace", framework.Namespace, "--drain-delay", "0s",
		"--auto-migrate=false", "--log-level", "info")
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopProcess(t, cmd, stdout, stderr) })
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", health))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(pollInterval)
	}
	t.Fatalf("webhook not ready after %s", readyTimeout)
}

// stopProcess sends SIGTERM to a binary started with framework.Command and
// waits for it.
func stopProcess(t *testing.T, cmd *exec.Cmd, stdout, stderr *bytes.Buffer) framework.Run {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return framework.Run{}
	}
	done := make(chan framework.Run, 1)
	go func() {
		run, _ := framework.Wait(cmd, stdout, stderr)
		done <- run
	}()
	select {
	case run := <-done:
		return run
	case <-time.After(stopTimeout):
		_ = cmd.Process.Kill()
		t.Errorf("%s still running %s after SIGTERM", cmd.Path, stopTimeout)
		return <-done
	}
}
