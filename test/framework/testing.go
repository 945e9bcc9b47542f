package framework

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/certs"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// Namespace is the control plane namespace the tests point the binary at.
const Namespace = "osm-system"

// WebhookArgs point the CRDs at a conversion webhook outside the cluster;
// nothing needs to listen there for apply or plan, nor for reading objects
// in the version they are stored in.
var WebhookArgs = []string{"--namespace", Namespace, "--webhook-url", "https://127.0.0.1:9443"}

// Reset gives a test an empty cluster: no CRD, no custom resource, no
// webhook TLS Secret, and the Namespace. The returned context ends after
// timeout or with the test.
func Reset(t *testing.T, cfg *rest.Config, timeout time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	if err := DeleteCRDsAndObjects(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	EnsureNamespace(ctx, t, cfg, Namespace)
	client := kubernetes.NewForConfigOrDie(cfg)
	err := client.CoreV1().Secrets(Namespace).Delete(ctx, certs.SecretName, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	return ctx
}

// EnsureNamespace creates the namespace name unless it exists, or fails
// the test.
func EnsureNamespace(ctx context.Context, t *testing.T, cfg *rest.Config, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	_, err := kubernetes.NewForConfigOrDie(cfg).CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// ApplyArgs are the arguments of an apply in namespace that points the
// CRDs at a webhook on port on loopback, followed by extra.
func ApplyArgs(namespace string, port int, extra ...string) []string {
	return append([]string{"apply", "--namespace", namespace,
		"--webhook-url", fmt.Sprintf("https://127.0.0.1:%d", port)}, extra...)
}

// MustExec runs the binary like Exec and fails the test unless it exits
// with want.
func MustExec(ctx context.Context, t *testing.T, kubeconfig string, want int, args ...string) Run {
	t.Helper()
	run, err := Exec(ctx, kubeconfig, args...)
	if err != nil {
		t.Fatal(err)
	}
	if run.Code != want {
		t.Fatalf("%v: exit code %d, want %d\nstderr:\n%s", args, run.Code, want, run.Stderr)
	}
	return run
}

// MustBundle returns the embedded bundle or fails the test.
func MustBundle(t *testing.T) *crds.Bundle {
	t.Helper()
	b, err := crds.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// MustListCRDs returns every CRD by name or fails the test.
func MustListCRDs(ctx context.Context, t *testing.T, cfg *rest.Config) map[string]*apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	live, err := ListCRDs(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return live
}

// MustGetCRD reads the CRD name or fails the test, also when it does not
// exist.
func MustGetCRD(ctx context.Context, t *testing.T, cfg *rest.Config, name string) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	crd, err := GetCRD(ctx, cfg, name)
	if err != nil {
		t.Fatalf("get CRD %s: %v", name, err)
	}
	if crd == nil {
		t.Fatalf("CRD %s does not exist", name)
	}
	return crd
}

// Writes records resourceVersion and generation per CRD: what any write
// changes.
func Writes(live map[string]*apiextensionsv1.CustomResourceDefinition) map[string][2]any {
	out := map[string][2]any{}
	for name, crd := range live {
		out[name] = [2]any{crd.ResourceVersion, crd.Generation}
	}
	return out
}
