package twomeshes

import (
	"context"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/certs"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

const (
	// testTimeout bounds each test.
	testTimeout = 3 * time.Minute
	// pollInterval is how often the helpers that wait look again.
	pollInterval = 50 * time.Millisecond
	// service is the webhook Service name both meshes use, the default.
	service = "osm-bootstrap"
)

// mesh is one control plane: its namespace, the loopback port its
// webhook serves on (which its apply writes into the CRDs), and the
// webhook process while it runs.
type mesh struct {
	namespace string
	port      int
	hook      *framework.Webhook
}

// newMesh creates the mesh's namespace, without the TLS Secret a previous
// test may have left, and picks its port.
func newMesh(ctx context.Context, t *testing.T, namespace string) *mesh {
	t.Helper()
	framework.EnsureNamespace(ctx, t, cp.Config, namespace)
	m := &mesh{namespace: namespace, port: framework.FreePort(t)}
	m.deleteSecret(ctx, t)
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
	return framework.MustExec(ctx, t, cp.Kubeconfig, 0, framework.ApplyArgs(m.namespace, m.port, extra...)...)
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
// it is ready; the test's end stops it.
func (m *mesh) start(ctx context.Context, t *testing.T) {
	t.Helper()
	m.hook = framework.StartWebhookIn(ctx, t, cp.Kubeconfig, m.namespace, m.port)
}

// stop ends the mesh's webhook, if it runs, and checks it exits cleanly.
func (m *mesh) stop(t *testing.T) {
	t.Helper()
	if m.hook != nil {
		m.hook.Stop(t)
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
	return m.hook.Reviews(t, crd)
}
