// Package upgrade tests `init-osm-bootstrap apply` on clusters installed by
// the real earlier osm-edge releases: their CRDs written the way each release
// wrote them, custom resources stored in the versions users wrote then, and
// the binary run over them, first as a dry run.
package upgrade

import (
	"os"
	"testing"

	"github.com/flomesh-io/init-osm-bootstrap/test/controlplane"
)

var cp *controlplane.ControlPlane

func TestMain(m *testing.M) {
	os.Exit(controlplane.Main(m, &cp))
}
