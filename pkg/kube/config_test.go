package kube

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
	"k8s.io/client-go/rest"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/version"
)

// Hosts of the configurations each source yields in TestLoadConfigOrder.
const (
	flagHost      = "https://flag.example:6443"
	envHost       = "https://env.example:6443"
	inClusterHost = "https://10.96.0.1:443"
	homeHost      = "https://home.example:6443"
)

func TestLoadConfigOrder(t *testing.T) {
	dir := t.TempDir()
	flagFile := writeKubeconfig(t, dir, "flag", flagHost)
	envFile := writeKubeconfig(t, dir, "env", envHost)
	missing := filepath.Join(dir, "missing")
	homeWithConfig := filepath.Join(dir, "home")
	writeKubeconfig(t, filepath.Join(homeWithConfig, ".kube"), "config", homeHost)
	homeWithout := filepath.Join(dir, "empty-home")

	inCluster := func() (*rest.Config, error) { return &rest.Config{Host: inClusterHost}, nil }
	notInCluster := func() (*rest.Config, error) { return nil, rest.ErrNotInCluster }
	noToken := func() (*rest.Config, error) { return nil, fs.ErrNotExist }

	cases := []struct {
		name      string
		flag      string
		env       string
		inCluster func() (*rest.Config, error)
		home      string
		wantHost  string
		wantErr   string
	}{
		{name: "flag wins over everything", flag: flagFile, env: envFile, inCluster: inCluster, home: homeWithConfig, wantHost: flagHost},
		{name: "env wins over in-cluster", env: envFile, inCluster: inCluster, home: homeWithConfig, wantHost: envHost},
		{name: "env list skips missing files", env: missing + string(filepath.ListSeparator) + envFile, inCluster: inCluster, wantHost: envHost},
		{name: "in-cluster wins over home", inCluster: inCluster, home: homeWithConfig, wantHost: inClusterHost},
		{name: "home last", inCluster: notInCluster, home: homeWithConfig, wantHost: homeHost},
		{name: "missing flag file", flag: missing, inCluster: inCluster, wantErr: "load --kubeconfig " + missing},
		{name: "env with no file", env: missing, inCluster: inCluster, wantErr: "load $KUBECONFIG " + missing},
		{name: "broken in-cluster does not fall back", inCluster: noToken, home: homeWithConfig, wantErr: "load in-cluster config"},
		{name: "nothing at all", inCluster: notInCluster, home: homeWithout, wantErr: "no client config: not in a cluster"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := environment{
				getenv:    fakeEnv(map[string]string{envKubeconfig: tc.env}),
				readFile:  os.ReadFile,
				homeDir:   func() (string, error) { return tc.home, nil },
				inCluster: tc.inCluster,
			}
			cfg, err := env.loadConfig(tc.flag, zap.NewNop())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				t.Logf("error: %v", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Host != tc.wantHost {
				t.Errorf("host %q, want %q", cfg.Host, tc.wantHost)
			}
		})
	}
}

func TestLoadConfigTunesClient(t *testing.T) {
	env := environment{
		getenv:    fakeEnv(nil),
		inCluster: func() (*rest.Config, error) { return &rest.Config{Host: inClusterHost}, nil },
	}
	cfg, err := env.loadConfig("", zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.QPS != ClientQPS || cfg.Burst != ClientBurst {
		t.Errorf("QPS %v, burst %d, want %d and %d", cfg.QPS, cfg.Burst, ClientQPS, ClientBurst)
	}
	if want := "init-osm-bootstrap/" + version.Version(); cfg.UserAgent != want {
		t.Errorf("user agent %q, want %q", cfg.UserAgent, want)
	}
	if _, ok := cfg.WarningHandlerWithContext.(*warningLogger); !ok {
		t.Errorf("warning handler %T, want *warningLogger", cfg.WarningHandlerWithContext)
	}
	if cfg.WrapTransport == nil {
		t.Error("transport not wrapped")
	}
}

func TestResolveNamespace(t *testing.T) {
	cases := []struct {
		name   string
		flag   string
		env    string
		file   string // contents of the service account file; "" for none
		wantNS string
	}{
		{name: "flag wins", flag: "from-flag", env: "from-env", file: "from-file", wantNS: "from-flag"},
		{name: "env next", env: "from-env", file: "from-file", wantNS: "from-env"},
		{name: "service account file", file: "from-file\n", wantNS: "from-file"},
		{name: "blank env is unset", env: "  ", file: "from-file", wantNS: "from-file"},
		{name: "no file", wantNS: DefaultNamespace},
		{name: "empty file", file: "\n", wantNS: DefaultNamespace},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := environment{
				getenv:   fakeEnv(map[string]string{envPodNamespace: tc.env}),
				readFile: fakeFile(serviceAccountNamespaceFile, tc.file),
			}
			if got := env.resolveNamespace(tc.flag); got != tc.wantNS {
				t.Errorf("namespace %q, want %q", got, tc.wantNS)
			}
		})
	}
}

func fakeEnv(vars map[string]string) func(string) string {
	return func(key string) string { return vars[key] }
}

// fakeFile reads contents at path only; "" means the file does not exist.
func fakeFile(path, contents string) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		if name != path || contents == "" {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		return []byte(contents), nil
	}
}

// writeKubeconfig writes dir/name, a kubeconfig with one context on host.
func writeKubeconfig(t *testing.T, dir, name, host string) string {
	t.Helper()
	const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: %s
users:
- name: test
  user:
    token: not-a-secret
contexts:
- name: test
  context:
    cluster: test
    user: test
current-context: test
`
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, fmt.Appendf(nil, kubeconfig, host), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
