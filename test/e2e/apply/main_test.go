// Package apply tests `init-osm-bootstrap apply` against a real API server:
// install, idempotence, drift, refusals and concurrent runs.
package apply

import (
	"os"
	"testing"

	"github.com/flomesh-io/init-osm-bootstrap/test/controlplane"
)

var cp *controlplane.ControlPlane

func TestMain(m *testing.M) {
	os.Exit(controlplane.Main(m, &cp))
}
