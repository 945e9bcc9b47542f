// Package faults runs `init-osm-bootstrap apply` through test/faultproxy
// against a real API server that refuses connections, throttles, denies
// and stalls, and checks that the binary waits, retries, fails clearly or
// stops as each fault deserves.
package faults

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
