// Package framework holds what the end-to-end tests share: the binary under
// test, built once per test package, and helpers to run it and to prepare
// and inspect a cluster.
package framework

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds cmd/init-osm-bootstrap once per test process and returns
// its path.
func Binary() (string, error) {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "init-osm-bootstrap-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "init-osm-bootstrap")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/init-osm-bootstrap")
		cmd.Dir = RepoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build init-osm-bootstrap: %w\n%s", err, out)
		}
	})
	return binPath, buildErr
}

// RepoRoot is the repository's top directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Run is one finished run of the binary.
type Run struct {
	Code   int
	Stdout string
	Stderr string
}

// LogLine is one JSON log line of the binary.
type LogLine map[string]any

// Logs parses the run's JSON log lines; lines that are not JSON are skipped.
func (r Run) Logs() []LogLine {
	var out []LogLine
	for _, line := range strings.Split(r.Stderr, "\n") {
		var l LogLine
		if json.Unmarshal([]byte(line), &l) == nil {
			out = append(out, l)
		}
	}
	return out
}

// Find returns the log lines with the message msg whose fields include all
// of match.
func (r Run) Find(msg string, match map[string]any) []LogLine {
	var out []LogLine
	for _, l := range r.Logs() {
		if l["msg"] != msg {
			continue
		}
		ok := true
		for k, v := range match {
			ok = ok && fmt.Sprint(l[k]) == fmt.Sprint(v)
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}

// Exec runs the binary with the kubeconfig and JSON logs at debug level.
func Exec(ctx context.Context, kubeconfig string, args ...string) (Run, error) {
	cmd, stdout, stderr, err := Command(ctx, kubeconfig, args...)
	if err != nil {
		return Run{}, err
	}
	err = cmd.Run()
	return finished(cmd, stdout, stderr, err)
}

// Command prepares a run of the binary for a test that needs to signal it.
func Command(ctx context.Context, kubeconfig string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer, error) {
	bin, err := Binary()
	if err != nil {
		return nil, nil, nil, err
	}
	full := append(args, "--kubeconfig", kubeconfig, "--log-format", "json", "--log-level", "debug")
	cmd := exec.CommandContext(ctx, bin, full...)
	cmd.Env = append(os.Environ(), "KUBECONFIG=", "POD_NAMESPACE=")
	stdout, stderr := &bytes.Buffer{}, &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	return cmd, stdout, stderr, nil
}

// Wait waits for a command from Command and returns its run.
func Wait(cmd *exec.Cmd, stdout, stderr *bytes.Buffer) (Run, error) {
	return finished(cmd, stdout, stderr, cmd.Wait())
}

func finished(cmd *exec.Cmd, stdout, stderr *bytes.Buffer, err error) (Run, error) {
	r := Run{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.Code = exit.ExitCode()
	default:
		return r, fmt.Errorf("run %s: %w", cmd.Path, err)
	}
	return r, nil
}
