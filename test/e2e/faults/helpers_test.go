package faults

import (
	"context"
	"net/url"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/version"
	"github.com/flomesh-io/init-osm-bootstrap/test/faultproxy"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// testTimeout bounds each test, the binary's runs included.
const testTimeout = 3 * time.Minute

// runTimeout is the binary's --timeout in tests whose faults last seconds:
// well past them, far below testTimeout.
const runTimeout = "60s"

// crdPath is the path of every CRD request.
const crdPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"

// crdWrites matches the binary's CRD writes (server-side apply and the
// ownership move are both PATCH).
var crdWrites = faultproxy.Match{Method: "PATCH", PathPrefix: crdPath}

// applyArgs run apply with the CRDs pointed at a webhook outside the
// cluster (nothing needs to listen there) and the given --timeout.
func applyArgs(timeout string) []string {
	return []string{"apply", "--namespace", "osm-system",
		"--webhook-url", "https://127.0.0.1:9443", "--timeout", timeout}
}

// setup gives a test an empty cluster with the osm-system namespace, and
// the binary built, so that no fault's clock runs during the build.
func setup(t *testing.T) context.Context {
	t.Helper()
	if _, err := framework.Binary(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	if err := framework.DeleteAllCRDs(ctx, cp.Config); err != nil {
		t.Fatal(err)
	}
	client := kubernetes.NewForConfigOrDie(cp.Config)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "osm-system"}}
	_, err := client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	return ctx
}

// tcpProxy starts a TCP proxy in front of the API server and writes a
// kubeconfig that reaches the server through it, with the admin's
// credentials.
func tcpProxy(t *testing.T) (*faultproxy.TCP, string) {
	t.Helper()
	u, err := url.Parse(cp.Config.Host)
	if err != nil {
		t.Fatal(err)
	}
	p, err := faultproxy.NewTCP(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	cfg := rest.CopyConfig(cp.Config)
	cfg.Host = p.URL()
	return p, kubeconfig(t, cfg)
}

// httpProxy starts an HTTP proxy in front of the API server and writes a
// kubeconfig that trusts it and carries no credentials: the proxy
// authenticates upstream as the admin.
func httpProxy(t *testing.T) (*faultproxy.HTTP, string) {
	t.Helper()
	p, err := faultproxy.NewHTTP(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p, kubeconfig(t, p.ClientConfig())
}

func kubeconfig(t *testing.T, cfg *rest.Config) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := faultproxy.WriteKubeconfig(path, cfg); err != nil {
		t.Fatal(err)
	}
	return path
}

// apply runs the binary to its end and fails the test on another exit
// code than want.
func apply(ctx context.Context, t *testing.T, kubeconfig string, want int, args ...string) framework.Run {
	t.Helper()
	return framework.MustExec(ctx, t, kubeconfig, want, args...)
}

// process is a run of the binary in the background.
type process struct {
	cmd    *exec.Cmd
	done   chan struct{} // closed when the process has exited
	run    framework.Run
	err    error
	exited time.Time
}

// start starts the binary; the test's cleanup kills it if still running.
func start(ctx context.Context, t *testing.T, kubeconfig string, args ...string) *process {
	t.Helper()
	cmd, stdout, stderr, err := framework.Command(ctx, kubeconfig, args...)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.run, p.err = framework.Wait(cmd, stdout, stderr)
		p.exited = time.Now()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	return p
}

// wait waits at most limit for the process to exit and returns its run.
func (p *process) wait(t *testing.T, limit time.Duration) framework.Run {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("the binary did not exit within %s\nstderr:\n%s", limit, p.run.Stderr)
	}
	if p.err != nil {
		t.Fatal(p.err)
	}
	return p.run
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// waitUntil polls cond every pollInterval until it holds, failing the test
// after limit.
func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	const pollInterval = 20 * time.Millisecond
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(pollInterval)
	}
}

// checkConverged checks that every bundled CRD is installed by this
// binary's version, established and with its names accepted.
func checkConverged(ctx context.Context, t *testing.T) {
	t.Helper()
	b, err := crds.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	live, err := framework.ListCRDs(ctx, cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range b.Names() {
		crd := live[name]
		switch {
		case crd == nil:
			t.Errorf("CRD %s not installed", name)
		case crd.Annotations[crds.BundleVersionAnnotation] != version.Version():
			t.Errorf("CRD %s: bundle version %q, want %q",
				name, crd.Annotations[crds.BundleVersionAnnotation], version.Version())
		case !isTrue(crd, apiextensionsv1.Established), !isTrue(crd, apiextensionsv1.NamesAccepted):
			t.Errorf("CRD %s not established: %+v", name, crd.Status.Conditions)
		}
	}
}

func isTrue(crd *apiextensionsv1.CustomResourceDefinition, cond apiextensionsv1.CustomResourceDefinitionConditionType) bool {
	for _, c := range crd.Status.Conditions {
		if c.Type == cond {
			return c.Status == apiextensionsv1.ConditionTrue
		}
	}
	return false
}

// stderrOf keeps a failure message short when the binary logged a lot.
func stderrOf(run framework.Run) string {
	const keep = 8000
	s := run.Stderr
	if len(s) > keep {
		s = "..." + s[len(s)-keep:]
	}
	return s
}
