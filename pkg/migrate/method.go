package migrate

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// resolveMethod turns MethodAuto into the method the cluster allows:
// builtin where StorageVersionMigrations are served (it may still fall back
// per CRD), else client. MethodBuiltin without them is an error.
func (m *Migrator) resolveMethod(ctx context.Context) (Method, error) {
	if m.opts.Method == MethodClient {
		return MethodClient, nil
	}
	served, err := m.builtinServed(ctx)
	if err != nil {
		return "", err
	}
	switch {
	case served:
		return MethodBuiltin, nil
	case m.opts.Method == MethodBuiltin:
		return "", fmt.Errorf("%w: the cluster does not serve storagemigration.k8s.io/v1", ErrBuiltinUnavailable)
	default:
		m.log.Info("built-in storage version migration not served, migrating client-side")
		return MethodClient, nil
	}
}

// rewrite rewrites the objects of crd with method, falling back to the
// client-side method under MethodAuto when the built-in one made no
// progress or failed. It returns the method that did the work.
func (m *Migrator) rewrite(ctx context.Context, crd *apiextensionsv1.CustomResourceDefinition, snap snapshot,
	method Method) (Method, *tally, error) {
	if method == MethodClient {
		t, err := m.rewriteClientSide(ctx, crd.Name, snap)
		return MethodClient, t, err
	}

	err := m.rewriteBuiltin(ctx, crd.Name, snap)
	if err == nil {
		return MethodBuiltin, newTally(), nil
	}
	fallback := errors.Is(err, ErrBuiltinUnavailable) || errors.Is(err, errBuiltinFailed)
	if m.opts.Method != MethodAuto || !fallback || ctx.Err() != nil {
		return MethodBuiltin, newTally(), err
	}
	m.log.Info("built-in migration did not complete, migrating client-side", zap.String("crd", crd.Name),
		zap.Error(err))
	t, err := m.rewriteClientSide(ctx, crd.Name, snap)
	return MethodClient, t, err
}
