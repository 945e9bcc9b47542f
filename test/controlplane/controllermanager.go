package controlplane

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long kube-controller-manager may take to exit after
// SIGTERM before it is killed.
const stopGrace = 10 * time.Second

// ControllerManager is a running kube-controller-manager of the control
// plane.
type ControllerManager struct {
	cmd    *exec.Cmd
	output *lockedBuffer
	done   chan error
}

// StartControllerManager starts the kube-controller-manager of the assets
// directory against the control plane with only the named controllers
// (names as its --controllers flag takes them), no leader election and no
// serving port. It fails when the binary has not been built.
func (cp *ControlPlane) StartControllerManager(controllers ...string) (*ControllerManager, error) {
	bin := filepath.Join(cp.Assets, "kube-controller-manager")
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("kube-controller-manager not found in %s: run `make test-tools`: %w", cp.Assets, err)
	}
	cm := &ControllerManager{output: &lockedBuffer{}, done: make(chan error, 1)}
	cm.cmd = exec.Command(bin,
		"--kubeconfig="+cp.Kubeconfig,
		"--controllers="+strings.Join(controllers, ","),
		"--leader-elect=false",
		"--use-service-account-credentials=false",
		"--secure-port=0",
	)
	cm.cmd.Stdout, cm.cmd.Stderr = cm.output, cm.output
	if err := cm.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start kube-controller-manager: %w", err)
	}
	go func() { cm.done <- cm.cmd.Wait() }()
	return cm, nil
}

// Output is what the controller manager logged so far.
func (cm *ControllerManager) Output() string {
	return cm.output.String()
}

// Exited reports whether the process ended, and how.
func (cm *ControllerManager) Exited() (bool, error) {
	select {
	case err := <-cm.done:
		cm.done <- err
		return true, err
	default:
		return false, nil
	}
}

// Stop sends SIGTERM and waits for the exit, killing the process after
// stopGrace.
func (cm *ControllerManager) Stop() error {
	if exited, _ := cm.Exited(); exited {
		return nil
	}
	if err := cm.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop kube-controller-manager: %w", err)
	}
	select {
	case <-cm.done:
		return nil
	case <-time.After(stopGrace):
		_ = cm.cmd.Process.Kill()
		<-cm.done
		return fmt.Errorf("kube-controller-manager still running %s after SIGTERM, killed", stopGrace)
	}
}

// lockedBuffer is a bytes.Buffer that the process writes while tests read.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
