// Package controlplane starts a real, throwaway Kubernetes control plane
// (etcd and kube-apiserver, built by test/tools/build.sh) for tests, with
// controller-runtime's envtest.
//
// Start one per test package, from TestMain: on a small machine, several
// API servers at once fight for the CPU and make tests flaky.
package controlplane

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// EnvAssets names the environment variable holding the directory of the
// control-plane binaries; `make test` sets it.
const EnvAssets = "OSM_TEST_ASSETS"

// DefaultRelease is the Kubernetes release whose binaries are used when
// EnvAssets is not set.
const DefaultRelease = "v1.37.2"

// startTimeout bounds the start of each of etcd and kube-apiserver; a cold
// start on two busy cores takes a few seconds.
const startTimeout = 60 * time.Second

// ControlPlane is a running etcd and kube-apiserver.
type ControlPlane struct {
	// Config reaches the API server as a member of system:masters.
	Config *rest.Config
	// Kubeconfig is the path of a kubeconfig file for the same identity.
	Kubeconfig string
	// Assets is the directory of the binaries (etcd, kube-apiserver, kubectl).
	Assets string
	// AuditLog is the path of the API server's audit log; "" unless
	// started WithAuditPolicy.
	AuditLog string

	env *envtest.Environment
	dir string
}

// Start starts a control plane from the binaries in $OSM_TEST_ASSETS, or in
// the build cache of DefaultRelease, configured by opts. It fails with
// instructions when the binaries have not been built.
func Start(opts ...Option) (*ControlPlane, error) {
	assets, err := findAssets()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "osm-controlplane-")
	if err != nil {
		return nil, fmt.Errorf("create control plane directory: %w", err)
	}

	env := &envtest.Environment{
		BinaryAssetsDirectory:    assets,
		ControlPlaneStartTimeout: startTimeout,
		ControlPlaneStopTimeout:  startTimeout,
	}
	auditLog, err := buildOptions(opts).configure(env, dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	cfg, err := env.Start()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("start control plane from %s: %w", assets, err)
	}
	cp := &ControlPlane{Config: cfg, Assets: assets, AuditLog: auditLog, env: env, dir: dir}

	if err := cp.writeKubeconfig(); err != nil {
		_ = cp.Stop()
		return nil, err
	}
	return cp, nil
}

// Stop stops the control plane and removes its files.
func (cp *ControlPlane) Stop() error {
	err := cp.env.Stop()
	return errors.Join(err, os.RemoveAll(cp.dir))
}

// EtcdURL is the client URL of the control plane's etcd, for tests that
// read what the API server stored.
func (cp *ControlPlane) EtcdURL() string {
	return cp.env.ControlPlane.Etcd.URL.String()
}

// Kubectl runs the control plane's kubectl with the admin kubeconfig and
// returns its combined output.
func (cp *ControlPlane) Kubectl(ctx context.Context, args ...string) ([]byte, error) {
	full := append([]string{"--kubeconfig", cp.Kubeconfig}, args...)
	cmd := exec.CommandContext(ctx, filepath.Join(cp.Assets, "kubectl"), full...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("kubectl %v: %w: %s", args, err, out)
	}
	return out, nil
}

func (cp *ControlPlane) writeKubeconfig() error {
	user, err := cp.env.ControlPlane.AddUser(envtest.User{Name: "test-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("add admin user: %w", err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		return fmt.Errorf("render kubeconfig: %w", err)
	}
	cp.Kubeconfig = filepath.Join(cp.dir, "kubeconfig")
	if err := os.WriteFile(cp.Kubeconfig, data, 0o600); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}

func findAssets() (string, error) {
	dir := os.Getenv(EnvAssets)
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("find the test binaries: set %s: %w", EnvAssets, err)
		}
		dir = filepath.Join(cache, "init-osm-bootstrap", "kubernetes-"+DefaultRelease)
	}
	for _, name := range []string{"etcd", "kube-apiserver", "kubectl"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return "", fmt.Errorf("test control plane binary %s not found in %s: run `make test-tools` "+
				"(or `make test`), or set %s: %w", name, dir, EnvAssets, err)
		}
	}
	return dir, nil
}
