// Package demo runs the demo of `make demo` (test/cmd/demo) against a fresh
// control plane of its own, so that the README's first command keeps
// working: the demo checks every claim it prints and exits 1 on a mismatch.
package demo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flomesh-io/init-osm-bootstrap/test/controlplane"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

var cp *controlplane.ControlPlane

func TestMain(m *testing.M) {
	os.Exit(controlplane.Main(m, &cp))
}

// demoTimeout bounds the demo; it takes well under a minute.
const demoTimeout = 4 * time.Minute

func TestDemoPasses(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), demoTimeout)
	defer cancel()
	bin, err := framework.Binary()
	if err != nil {
		t.Fatal(err)
	}
	demo := filepath.Join(t.TempDir(), "demo")
	build := exec.CommandContext(ctx, "go", "build", "-o", demo, "./test/cmd/demo")
	build.Dir = framework.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the demo: %v\n%s", err, out)
	}

	cmd := exec.CommandContext(ctx, demo, "-bin", bin, "-root", framework.RepoRoot(),
		"-webhook-port", strconv.Itoa(framework.FreePort(t)), "-health-port", strconv.Itoa(framework.FreePort(t)))
	cmd.Env = append(os.Environ(), "KUBECONFIG="+cp.Kubeconfig, "POD_NAMESPACE=",
		"PATH="+cp.Assets+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	for _, want := range []string{"demo passed", "every version converts back", "storedVersions is its storage version alone"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}
