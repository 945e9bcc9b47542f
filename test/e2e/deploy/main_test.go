// Package deploy tests the cluster manifests of deploy/ against a real API
// server: every manifest passes a server-side dry-run create; apply, plan,
// migrate and the webhook, run as the manifests' service account with only
// their RBAC, succeed; what the role does not grant is refused; and the
// API server's audit log shows that every rule granted was used.
package deploy

import (
	"os"
	"testing"

	"github.com/flomesh-io/init-osm-bootstrap/test/controlplane"
)

var cp *controlplane.ControlPlane

// auditPolicy records, with their metadata, the requests of the test's
// admin identities (system:masters), which are the ones that impersonate
// the service account: the policy is matched before impersonation is
// resolved. Everything else, such as the API server's own loopback
// traffic, is left out.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    userGroups: ["system:masters"]
  - level: None
`

func TestMain(m *testing.M) {
	os.Exit(controlplane.Main(m, &cp, controlplane.WithAuditPolicy([]byte(auditPolicy))))
}
