package manifests

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedManifestsAreCurrent regenerates the CRDs from pkg/apis into a
// temporary directory and fails when manifests/crds differs: run
// `make generate` after changing a type.
func TestGeneratedManifestsAreCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs controller-gen")
	}
	dir := t.TempDir()
	cmd := exec.Command("../hack/generate-crds.sh", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generate: %v\n%s", err, out)
	}

	want := readDir(t, dir)
	got := readDir(t, "crds")
	for name, content := range want {
		if !bytes.Equal(got[name], content) {
			t.Errorf("crds/%s is out of date: run make generate", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("crds/%s is not generated from any type: run make generate", name)
		}
	}
}

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = data
	}
	return out
}
