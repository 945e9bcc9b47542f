// Package e2e holds the tests that need a real Kubernetes API server: every
// bundled CRD installed, and custom resources of every served version sent
// to it.
package e2e

import (
	"os"
	"testing"

	"github.com/flomesh-io/init-osm-bootstrap/test/controlplane"
)

// cp is the package's control plane, started once by TestMain.
var cp *controlplane.ControlPlane

func TestMain(m *testing.M) {
	os.Exit(controlplane.Main(m, &cp))
}
