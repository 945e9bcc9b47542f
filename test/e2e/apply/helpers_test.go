package apply

import (
	"context"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// testTimeout bounds each test.
const testTimeout = 3 * time.Minute

// apply runs the binary's apply and fails the test on an unexpected exit code.
func apply(ctx context.Context, t *testing.T, wantCode int, args ...string) framework.Run {
	t.Helper()
	return framework.MustExec(ctx, t, cp.Kubeconfig, wantCode, append([]string{"apply"}, args...)...)
}

var webhookArgs = framework.WebhookArgs

// setup gives a test an empty cluster with the osm-system namespace.
func setup(t *testing.T) context.Context {
	return framework.Reset(t, cp.Config, testTimeout)
}

func bundle(t *testing.T) *crds.Bundle { return framework.MustBundle(t) }

func liveCRDs(ctx context.Context, t *testing.T) map[string]*apiextensionsv1.CustomResourceDefinition {
	return framework.MustListCRDs(ctx, t, cp.Config)
}

var versions = framework.Writes
