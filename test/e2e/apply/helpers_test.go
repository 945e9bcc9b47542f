package apply

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// testTimeout bounds each test.
const testTimeout = 3 * time.Minute

// webhookArgs point the CRDs at a webhook outside the cluster; nothing needs
// to listen there for apply.
var webhookArgs = []string{"--namespace", "osm-system", "--webhook-url", "https://127.0.0.1:9443"}

// setup gives a test an empty cluster with the osm-system namespace.
func setup(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	if err := framework.DeleteAllCRDs(ctx, cp.Config); err != nil {
		t.Fatal(err)
	}
	client := kubernetes.NewForConfigOrDie(cp.Config)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "osm-system"}}
	if _, err := client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	return ctx
}

// apply runs the binary's apply and fails the test on an unexpected exit code.
func apply(ctx context.Context, t *testing.T, wantCode int, args ...string) framework.Run {
	t.Helper()
	run, err := framework.Exec(ctx, cp.Kubeconfig, append([]string{"apply"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	if run.Code != wantCode {
		t.Fatalf("apply %v: exit code %d, want %d\nstderr:\n%s", args, run.Code, wantCode, run.Stderr)
	}
	return run
}

func bundle(t *testing.T) *crds.Bundle {
	t.Helper()
	b, err := crds.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func liveCRDs(ctx context.Context, t *testing.T) map[string]*apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	live, err := framework.ListCRDs(ctx, cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	return live
}

// versions records resourceVersion and generation per CRD.
func versions(live map[string]*apiextensionsv1.CustomResourceDefinition) map[string][2]any {
	out := map[string][2]any{}
	for name, crd := range live {
		out[name] = [2]any{crd.ResourceVersion, crd.Generation}
	}
	return out
}
