package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/conversion"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// Terminal styles; plain text when stdout is not a terminal.
var bold, red, dim, reset = "\033[1m", "\033[31m", "\033[2m", "\033[0m"

func init() {
	if fi, err := os.Stdout.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		bold, red, dim, reset = "", "", "", ""
	}
}

// webhookReadyTimeout bounds the wait for the webhook's /readyz once apply
// has written its certificate.
const webhookReadyTimeout = 30 * time.Second

// demo holds the clients and processes of one run.
type demo struct {
	bin, root string
	// webhookPort and healthPort are the webhook's ports on the loopback.
	webhookPort, healthPort string
	env                     []string
	crds                    apiextensionsclient.Interface
	dynamic                 dynamic.Interface
	registry                *conversion.Registry
	bundle                  *crds.Bundle
	webhook                 *exec.Cmd
	logFile                 *os.File
}

func newDemo(bin, root, webhookPort, healthPort string) (*demo, error) {
	kubeconfig := os.Getenv("KUBECONFIG")
	if kubeconfig == "" {
		return nil, errors.New("KUBECONFIG is not set: run the demo with `make demo`")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	cfg.WarningHandler = rest.NoWarnings{}
	d := &demo{bin: bin, root: root, webhookPort: webhookPort, healthPort: healthPort, env: os.Environ()}
	if d.crds, err = apiextensionsclient.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if d.dynamic, err = dynamic.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if d.registry, err = conversion.Embedded(); err != nil {
		return nil, err
	}
	if d.bundle, err = crds.Embedded(); err != nil {
		return nil, err
	}
	return d, nil
}

// close stops the webhook, if it runs.
func (d *demo) close() {
	if d == nil || d.webhook == nil {
		return
	}
	_ = d.webhook.Process.Signal(os.Interrupt)
	_ = d.webhook.Wait()
	_ = d.logFile.Close()
	fmt.Printf("%swebhook stopped; its log is in %s%s\n", dim, d.logFile.Name(), reset)
}

// command prints a command line the way a person would type it, then runs
// it with its output indented; it fails unless the exit code is want.
func (d *demo) command(ctx context.Context, want int, name string, args ...string) (string, error) {
	return d.commandShowing(ctx, nil, want, name, args...)
}

// commandShowing is command printing only the output that show returns;
// nil shows everything.
func (d *demo) commandShowing(ctx context.Context, show func(string) string, want int, name string,
	args ...string) (string, error) {
	shown := filepath.Base(name)
	fmt.Printf("%s$ %s %s%s\n", dim, shown, strings.Join(args, " "), reset)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = d.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if show == nil {
		cmd.Stdout = io.MultiWriter(&out, indent(os.Stdout))
		cmd.Stderr = io.MultiWriter(&errOut, indent(os.Stdout))
	}
	err := cmd.Run()
	if show != nil {
		_, _ = io.WriteString(indent(os.Stdout), show(errOut.String()+out.String()))
	}
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		return "", fmt.Errorf("run %s: %w", shown, err)
	}
	if code != want {
		return "", fmt.Errorf("%s %s: exit code %d, want %d", shown, args[0], code, want)
	}
	if code != 0 {
		fmt.Printf("  %s(exit code %d, as expected)%s\n", dim, code, reset)
	}
	return out.String(), nil
}

func (d *demo) kubectl(ctx context.Context, args ...string) (string, error) {
	return d.command(ctx, 0, "kubectl", args...)
}

func (d *demo) runBinary(ctx context.Context, want int, args ...string) (string, error) {
	return d.command(ctx, want, d.bin, append(args, "--log-format", "console")...)
}

// startWebhook runs the webhook in the background, its log in a file, and
// returns once it listens; it turns ready only when apply has written the
// TLS Secret, which the next steps wait for.
func (d *demo) startWebhook(ctx context.Context) error {
	log, err := os.CreateTemp("", "osm-demo-webhook-*.log")
	if err != nil {
		return err
	}
	d.logFile = log
	args := []string{"webhook", "--namespace", namespace, "--port", d.webhookPort, "--health-port", d.healthPort,
		"--auto-migrate=false", "--log-format", "console"}
	fmt.Printf("%s$ %s %s &%s\n", dim, filepath.Base(d.bin), strings.Join(args, " "), reset)
	cmd := exec.Command(d.bin, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = d.env, log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start webhook: %w", err)
	}
	d.webhook = cmd
	fmt.Printf("  webhook running as pid %d, log in %s\n", cmd.Process.Pid, log.Name())
	return nil
}

// waitWebhookReady polls /readyz until the webhook has loaded a certificate.
func (d *demo) waitWebhookReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, webhookReadyTimeout)
	defer cancel()
	url := "http://127.0.0.1:" + d.healthPort + "/readyz"
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				fmt.Printf("  webhook ready: GET %s -> 200\n", url)
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("webhook not ready within %s (log: %s)", webhookReadyTimeout, d.logFile.Name())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// indent prefixes every line written through it with two spaces.
func indent(w io.Writer) io.Writer { return &indenter{w: w, start: true} }

type indenter struct {
	w     io.Writer
	start bool
}

func (i *indenter) Write(p []byte) (int, error) {
	var b bytes.Buffer
	for _, c := range p {
		if i.start {
			b.WriteString("  ")
		}
		b.WriteByte(c)
		i.start = c == '\n'
	}
	if _, err := i.w.Write(b.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}
