package image

import (
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/version"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// buildTimeout bounds one `make image-binary`; a cold build of the binary on
// two busy cores takes a minute or two.
const buildTimeout = 5 * time.Minute

// runTimeout bounds one run of the built binary's version command.
const runTimeout = 30 * time.Second

// TestImageBinary builds the image's binary as the Dockerfile does, with no
// git repository in reach (GIT_DIR points nowhere, as in a build context
// without .git), and checks that it is static, trimmed and stamped.
func TestImageBinary(t *testing.T) {
	tests := []struct {
		name string
		// commit is passed as COMMIT to make; "" passes none.
		commit     string
		wantCommit string
	}{
		{name: "commit from the build argument", commit: "0123abc", wantCommit: "0123abc"},
		{name: "no commit and no git", commit: "", wantCommit: "unknown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bin := buildImageBinary(t, tc.commit)
			checkStatic(t, bin)
			checkBuildSettings(t, bin)
			checkNoSourcePaths(t, bin)
			checkVersion(t, bin, tc.wantCommit)
		})
	}
}

// buildImageBinary runs `make image-binary` into a temporary directory
// without git and returns the binary's path.
func buildImageBinary(t *testing.T, commit string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()

	bin := filepath.Join(t.TempDir(), "init-osm-bootstrap")
	args := []string{"-C", framework.RepoRoot(), "image-binary", "IMAGE_BIN=" + bin}
	cmd := exec.CommandContext(ctx, "make", args...)
	// Without COMMIT in the environment or on the command line, the
	// Makefile asks git; GIT_DIR pointing nowhere makes that fail, as it
	// does in a Docker build context without .git.
	cmd.Env = append(withoutEnv(os.Environ(), "COMMIT"), "GIT_DIR="+filepath.Join(t.TempDir(), "no-git"))
	if commit != "" {
		cmd.Env = append(cmd.Env, "COMMIT="+commit)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make image-binary: %v\n%s", err, out)
	}
	return bin
}

// checkStatic fails unless bin is an ELF executable that needs no dynamic
// loader and no shared library: no PT_INTERP or PT_DYNAMIC program header,
// no .interp or .dynamic section, no DT_NEEDED entry.
func checkStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("open %s as ELF: %v", bin, err)
	}
	defer f.Close()

	if f.Type != elf.ET_EXEC {
		t.Errorf("ELF type %s, want %s (a static, non-PIE executable)", f.Type, elf.ET_EXEC)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("program header %s: the binary is dynamically linked", p.Type)
		}
	}
	for _, name := range []string{".interp", ".dynamic"} {
		if f.Section(name) != nil {
			t.Errorf("section %s present: the binary is dynamically linked", name)
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatalf("read imported libraries: %v", err)
	}
	if len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %v", libs)
	}
}

// checkBuildSettings reads the build settings the go toolchain records in
// the binary: CGO off, -trimpath and no VCS stamp (the build asked no
// git). With -trimpath the toolchain does not record -ldflags: the stamped
// commit is checked through the version command instead.
func checkBuildSettings(t *testing.T, bin string) {
	t.Helper()
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatalf("read build info: %v", err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	want := map[string]string{"CGO_ENABLED": "0", "-trimpath": "true", "GOOS": "linux"}
	for k, v := range want {
		if settings[k] != v {
			t.Errorf("build setting %s = %q, want %q", k, settings[k], v)
		}
	}
	for k := range settings {
		if strings.HasPrefix(k, "vcs") {
			t.Errorf("build setting %s = %q: the build asked git", k, settings[k])
		}
	}
}

// checkNoSourcePaths fails when the binary holds the absolute path of the
// repository, which -trimpath removes.
func checkNoSourcePaths(t *testing.T, bin string) {
	t.Helper()
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs(framework.RepoRoot())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), root+"/pkg/") {
		t.Errorf("the binary holds source paths under %s: not built with -trimpath", root)
	}
}

// checkVersion runs `version -o json` and compares it with the VERSION file
// and the stamped commit.
func checkVersion(t *testing.T, bin, wantCommit string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "version", "-o", "json").Output()
	if err != nil {
		t.Fatalf("%s version: %v", bin, err)
	}
	var got version.Info
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("version output is not JSON: %v\n%s", err, out)
	}
	want := version.Get()
	want.Commit = wantCommit
	if got != want {
		t.Errorf("version reports %+v, want %+v", got, want)
	}
}

// withoutEnv returns env without the variable name.
func withoutEnv(env []string, name string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
