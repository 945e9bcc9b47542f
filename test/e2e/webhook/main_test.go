// Package webhook tests `init-osm-bootstrap webhook` against a real API
// server: the API server calls the binary to convert custom resources
// between versions, through the CRDs that apply wrote.
package webhook

import (
	"os"
	"testing"

	"github.com/flomesh-io/init-osm-bootstrap/test/controlplane"
)

var cp *controlplane.ControlPlane

func TestMain(m *testing.M) {
	os.Exit(controlplane.Main(m, &cp))
}
