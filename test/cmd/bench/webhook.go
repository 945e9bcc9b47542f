package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

const (
	// webhookReadyTimeout bounds the wait for the webhook's /readyz.
	webhookReadyTimeout = 30 * time.Second
	// webhookStopTimeout bounds the webhook's exit after SIGTERM.
	webhookStopTimeout = 20 * time.Second
	// readyPoll is how often /readyz is asked.
	readyPoll = 100 * time.Millisecond
)

// webhookProcess is the binary's conversion webhook, run for one round so
// that objects stored in v1alpha2 read in the other versions.
// test/framework.StartWebhook does the same for tests; it needs a
// *testing.T and builds its own binary, and the benchmark measures -bin.
type webhookProcess struct {
	cmd    *exec.Cmd
	out    *limitedBuffer // read only once the process has exited
	health int
	done   chan error
}

// startWebhook runs `webhook` on port, serving from the Secret apply
// created, without auto-migration (it would race the measured migration),
// and waits until it is ready.
func startWebhook(ctx context.Context, bin, kubeconfig string, port int) (*webhookProcess, error) {
	health, err := freePort()
	if err != nil {
		return nil, err
	}
	w := &webhookProcess{out: &limitedBuffer{}, health: health, done: make(chan error, 1)}
	w.cmd = exec.CommandContext(ctx, bin, "webhook", "--kubeconfig", kubeconfig, "--namespace", benchNamespace,
		"--port", strconv.Itoa(port), "--health-port", strconv.Itoa(health), "--drain-delay", "0s",
		"--auto-migrate=false", "--log-format", "json")
	w.cmd.Stdout, w.cmd.Stderr = w.out, w.out
	if err := w.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start webhook: %w", err)
	}
	go func() { w.done <- w.cmd.Wait() }()
	if err := w.waitReady(ctx); err != nil {
		_ = w.cmd.Process.Kill()
		<-w.done
		return nil, fmt.Errorf("%w\n%s", err, w.out)
	}
	return w, nil
}

func (w *webhookProcess) waitReady(ctx context.Context) error {
	url := fmt.Sprintf("http://127.0.0.1:%d/readyz", w.health)
	deadline := time.Now().Add(webhookReadyTimeout)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-w.done:
			w.done <- err
			return fmt.Errorf("webhook exited before it was ready: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(readyPoll):
		}
	}
	return fmt.Errorf("webhook not ready after %s", webhookReadyTimeout)
}

// stop sends SIGTERM and waits for a clean exit.
func (w *webhookProcess) stop() error {
	if err := w.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop webhook: %w", err)
	}
	select {
	case err := <-w.done:
		if err != nil {
			return fmt.Errorf("webhook after SIGTERM: %w\n%s", err, w.out)
		}
		return nil
	case <-time.After(webhookStopTimeout):
		_ = w.cmd.Process.Kill()
		<-w.done
		return fmt.Errorf("webhook still running %s after SIGTERM", webhookStopTimeout)
	}
}

// freePort returns a loopback port nothing listens on right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
