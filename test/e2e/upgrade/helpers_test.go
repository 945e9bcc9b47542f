package upgrade

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/certs"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// testTimeout bounds each upgrade case.
const testTimeout = 2 * time.Minute

// namespace is the control plane namespace the binary is pointed at; the
// custom resources of the test data live there too.
const namespace = framework.Namespace

// apply runs the binary's apply with webhookArgs and fails the test unless
// it exits 0.
func apply(ctx context.Context, t *testing.T, args ...string) framework.Run {
	t.Helper()
	return framework.MustExec(ctx, t, cp.Kubeconfig, 0, append(append([]string{"apply"}, webhookArgs...), args...)...)
}

// webhookSecret reads the self-managed TLS Secret; nil when it does not exist.
func webhookSecret(ctx context.Context, t *testing.T) *corev1.Secret {
	t.Helper()
	client := kubernetes.NewForConfigOrDie(cp.Config)
	secret, err := client.CoreV1().Secrets(namespace).Get(ctx, certs.SecretName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

var webhookArgs = framework.WebhookArgs

// setup gives a case an empty cluster: no CRD and no custom resource, the
// namespace, and no webhook TLS Secret.
func setup(t *testing.T) context.Context {
	return framework.Reset(t, cp.Config, testTimeout)
}

func bundle(t *testing.T) *crds.Bundle { return framework.MustBundle(t) }

func liveCRDs(ctx context.Context, t *testing.T) map[string]*apiextensionsv1.CustomResourceDefinition {
	return framework.MustListCRDs(ctx, t, cp.Config)
}

var writes = framework.Writes

// deleteWebhookSecret deletes the self-managed TLS Secret, if any.
func deleteWebhookSecret(ctx context.Context, t *testing.T) {
	t.Helper()
	client := kubernetes.NewForConfigOrDie(cp.Config)
	err := client.CoreV1().Secrets(namespace).Delete(ctx, certs.SecretName, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
}
