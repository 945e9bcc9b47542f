// Package certs tests, against a real API server and the webhook binary, the
// certificates that manage themselves: the webhook renewing its serving
// certificate in the Secret, and a CA rotation driven by apply runs, while
// clients keep reading and writing custom resources in a version that needs
// the webhook.
package certs

import (
	"os"
	"testing"

	"github.com/flomesh-io/init-osm-bootstrap/test/controlplane"
)

var cp *controlplane.ControlPlane

func TestMain(m *testing.M) {
	os.Exit(controlplane.Main(m, &cp))
}
