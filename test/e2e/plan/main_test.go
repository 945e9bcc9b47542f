// Package plan tests `init-osm-bootstrap plan` against a real API server:
// one test per compatibility fact, stored objects the new schema refuses,
// a clean install, a plan after apply, and that plan writes nothing.
package plan

import (
	"os"
	"testing"

	"github.com/flomesh-io/init-osm-bootstrap/test/controlplane"
)

var cp *controlplane.ControlPlane

func TestMain(m *testing.M) {
	os.Exit(controlplane.Main(m, &cp))
}
