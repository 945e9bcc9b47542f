package controlplane

import (
	"fmt"
	"os"
	"path/filepath"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Option changes how Start configures the control plane; without any, it
// starts as envtest does by default (RBAC authorization, no audit log).
type Option func(*options)

type options struct {
	auditPolicy []byte
}

// WithAuditPolicy makes the API server write an audit log under the given
// policy (the YAML of an audit.k8s.io/v1 Policy) to ControlPlane.AuditLog,
// one JSON event per line. The log backend runs in blocking mode: a
// request's event is written by the request's own goroutine as it
// completes, though the client may see the response a moment before; a
// reader that needs every earlier event waits for the event of a later
// request. Impersonation is resolved after the
// policy is matched, so a policy naming the impersonated user matches
// nothing: match the impersonating user or its groups, and read
// impersonatedUser in the events.
func WithAuditPolicy(policy []byte) Option {
	return func(o *options) { o.auditPolicy = policy }
}

// configure sets the API server's flags for o, writing the files they name
// into dir. It returns the audit log's path, "" when there is none.
func (o options) configure(env *envtest.Environment, dir string) (string, error) {
	if o.auditPolicy == nil {
		return "", nil
	}
	policy := filepath.Join(dir, "audit-policy.yaml")
	if err := os.WriteFile(policy, o.auditPolicy, 0o600); err != nil {
		return "", fmt.Errorf("write audit policy: %w", err)
	}
	log := filepath.Join(dir, "audit.log")
	env.ControlPlane.GetAPIServer().Configure().
		Set("audit-policy-file", policy).
		Set("audit-log-path", log).
		Set("audit-log-format", "json").
		Set("audit-log-mode", "blocking")
	return log, nil
}

func buildOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return o
}
