// Package automigrate tests the webhook's background storage migration
// against a real API server: two webhook processes share the migration
// Lease, one migrates, and the other takes over when the first stops.
package automigrate

import (
	"os"
	"testing"

	"github.com/flomesh-io/init-osm-bootstrap/test/controlplane"
)

var cp *controlplane.ControlPlane

func TestMain(m *testing.M) {
	os.Exit(controlplane.Main(m, &cp))
}
