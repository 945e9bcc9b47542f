// Package twomeshes tests two control planes in one cluster against a real
// API server: CRDs are cluster-wide, so the second mesh's apply must leave
// the first one's conversion stanza alone, every read must keep going
// through the owner's webhook, and --take-over-conversion must hand the
// CRDs over, also after the owner's namespace is gone.
package twomeshes

import (
	"os"
	"testing"

	"github.com/flomesh-io/init-osm-bootstrap/test/controlplane"
)

var cp *controlplane.ControlPlane

func TestMain(m *testing.M) {
	os.Exit(controlplane.Main(m, &cp))
}
