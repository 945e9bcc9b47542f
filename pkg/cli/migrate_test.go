package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/migrate"
)

func TestMigrateRefusesBadFlags(t *testing.T) {
	cases := []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{"unknown method", []string{"--method", "server"}, `invalid --method "server"`},
		{"zero builtin timeout", []string{"--builtin-timeout", "0s"}, "invalid --builtin-timeout"},
		{"negative settle", []string{"--settle-interval", "-1s"}, "invalid --settle-interval"},
		{"zero page size", []string{"--page-size", "0"}, "invalid --page-size 0"},
		{"no workers", []string{"--workers", "0"}, "invalid --workers 0"},
		{"too many workers", []string{"--workers", "1000"}, "invalid --workers 1000"},
		{"bad timeout", []string{"--timeout", "0s"}, "invalid --timeout"},
		{"bad log level", []string{"--log-level", "loud", "--kubeconfig", "/nonexistent"}, "loud"},
		{"unknown flag", []string{"--bogus"}, "unknown flag: --bogus"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(append([]string{"migrate"}, tc.args...), &stdout, &stderr)
			if code != ExitUsage {
				t.Errorf("exit code %d, want %d (stderr %q)", code, ExitUsage, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.wantStderr)
			}
		})
	}
}

func TestMigrateFlagDefaults(t *testing.T) {
	cmd := newMigrateCommand()
	want := map[string]string{
		"method": "auto", "dry-run": "false", "builtin-timeout": "30s", "settle-interval": "5s",
		"page-size": "500", "workers": "4", "namespace": "", "kubeconfig": "", "timeout": "5m0s",
	}
	for name, value := range want {
		f := cmd.Flags().Lookup(name)
		if f == nil {
			t.Errorf("no flag --%s", name)
			continue
		}
		if f.DefValue != value {
			t.Errorf("--%s defaults to %q, want %q", name, f.DefValue, value)
		}
	}
}

func TestPrintPending(t *testing.T) {
	cases := []struct {
		name    string
		pending []migrate.Pending
		want    []string
	}{
		{"nothing", nil, []string{"no CRD needs migrating"}},
		{"one CRD in two namespaces", []migrate.Pending{{
			CRD: "trafficsplits.split.smi-spec.io", StoredVersions: []string{"v1alpha2", "v1alpha4"}, Storage: "v1alpha4",
			Objects: 3, Namespaces: map[string]int64{"b": 1, "a": 2},
		}}, []string{
			"CRD                              STORED VERSIONS    STORAGE   OBJECTS",
			"trafficsplits.split.smi-spec.io  v1alpha2,v1alpha4  v1alpha4  3",
			"  namespace a                                                 2",
			"  namespace b                                                 1",
		}},
		{"cluster-scoped", []migrate.Pending{{CRD: "c.x.io", StoredVersions: []string{"v1"}, Storage: "v2", Objects: 1,
			Namespaces: map[string]int64{"": 1}}}, []string{"c.x.io", "(cluster-scoped)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := printPending(&out, tc.pending); err != nil {
				t.Fatal(err)
			}
			for _, line := range tc.want {
				if !strings.Contains(out.String(), line) {
					t.Errorf("output lacks %q:\n%s", line, out.String())
				}
			}
		})
	}
}
