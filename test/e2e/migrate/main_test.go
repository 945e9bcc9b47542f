// Package migrate tests `init-osm-bootstrap migrate` against a real API
// server: a cluster upgraded from osm-edge v1.1.3, with TrafficSplits stored
// in v1alpha2, migrated to the bundle's storage version, read back from
// etcd directly.
package migrate

import (
	"os"
	"testing"

	"github.com/flomesh-io/init-osm-bootstrap/test/controlplane"
)

var cp *controlplane.ControlPlane

func TestMain(m *testing.M) {
	os.Exit(controlplane.Main(m, &cp))
}
