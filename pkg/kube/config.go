// Package kube connects to the Kubernetes API server: it loads the client
// configuration, resolves the control plane namespace, retries requests
// while the server is not ready and checks the server's version.
package kube

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.uber.org/zap"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/version"
)

// Client rate limits. client-go's defaults (5 QPS, burst 10) suit a
// controller that polls forever, not a one-shot run: apply sends one
// server-side apply per bundled CRD (about 20) at once, with a read and a
// dry run beside each, and client-go would queue half of that first wave and
// release the rest 200 ms apart, so the token bucket alone would take longer
// than the server's work. A burst of 100 lets a whole wave through, and 50
// QPS keeps a retry wave from stalling. The server still protects itself
// with API Priority and Fairness, answering 429 when it must.
const (
	ClientQPS   = 50
	ClientBurst = 100
)

// userAgentName prefixes the User-Agent header, so that audit logs and API
// Priority and Fairness can tell this program's requests apart.
const userAgentName = "init-osm-bootstrap"

// Where configuration and the namespace come from when no flag names them.
const (
	envKubeconfig   = "KUBECONFIG"
	envPodNamespace = "POD_NAMESPACE"
	// serviceAccountNamespaceFile is where the kubelet writes the pod's
	// namespace when it mounts the service account token.
	serviceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"
	// DefaultNamespace is the control plane namespace osm-edge installs to.
	DefaultNamespace = "osm-system"
)

// environment holds the process-wide lookups of this file, replaced in tests.
type environment struct {
	getenv    func(string) string
	readFile  func(string) ([]byte, error)
	homeDir   func() (string, error)
	inCluster func() (*rest.Config, error)
}

func processEnvironment() environment {
	return environment{
		getenv:    os.Getenv,
		readFile:  os.ReadFile,
		homeDir:   os.UserHomeDir,
		inCluster: rest.InClusterConfig,
	}
}

// LoadConfig returns the client configuration, looked up in this order: the
// kubeconfig file named by the --kubeconfig flag (kubeconfig, when not
// empty), the files listed in $KUBECONFIG, the pod's service account when
// running in a cluster, then ~/.kube/config. An explicit choice that does
// not work is an error, never a silent fall back to the next source.
//
// The configuration carries this program's User-Agent and rate limits
// (ClientQPS, ClientBurst), logs the API server's warnings to log, once
// each, and logs at debug every response that asks client-go to retry.
func LoadConfig(kubeconfig string, log *zap.Logger) (*rest.Config, error) {
	return processEnvironment().loadConfig(kubeconfig, log)
}

func (env environment) loadConfig(kubeconfig string, log *zap.Logger) (*rest.Config, error) {
	cfg, source, err := env.rawConfig(kubeconfig)
	if err != nil {
		return nil, err
	}
	log.Debug("client config loaded", zap.String("source", source), zap.String("host", cfg.Host))

	tune(cfg, log)
	return cfg, nil
}

// rawConfig finds the configuration and names where it came from.
func (env environment) rawConfig(kubeconfig string) (*rest.Config, string, error) {
	if kubeconfig != "" {
		cfg, err := fromFiles(&clientcmd.ClientConfigLoadingRules{ExplicitPath: kubeconfig})
		if err != nil {
			return nil, "", fmt.Errorf("load --kubeconfig %s: %w", kubeconfig, err)
		}
		return cfg, kubeconfig, nil
	}

	if paths := env.getenv(envKubeconfig); paths != "" {
		cfg, err := fromFiles(&clientcmd.ClientConfigLoadingRules{Precedence: filepath.SplitList(paths)})
		if err != nil {
			return nil, "", fmt.Errorf("load $%s %s: %w", envKubeconfig, paths, err)
		}
		return cfg, "$" + envKubeconfig, nil
	}

	cfg, err := env.inCluster()
	if err == nil {
		return cfg, "in-cluster", nil
	}
	if !errors.Is(err, rest.ErrNotInCluster) {
		return nil, "", fmt.Errorf("load in-cluster config: %w", err)
	}

	return env.homeConfig()
}

// homeConfig loads ~/.kube/config, the last resort.
func (env environment) homeConfig() (*rest.Config, string, error) {
	home, err := env.homeDir()
	if err != nil {
		return nil, "", fmt.Errorf("no client config: not in a cluster and no home directory: %w", err)
	}

	path := filepath.Join(home, clientcmd.RecommendedHomeDir, clientcmd.RecommendedFileName)
	cfg, err := fromFiles(&clientcmd.ClientConfigLoadingRules{ExplicitPath: path})
	if err != nil {
		return nil, "", fmt.Errorf("no client config: not in a cluster, and %s: %w", path, err)
	}
	return cfg, path, nil
}

// fromFiles loads and merges kubeconfig files. Unlike clientcmd's deferred
// loader, it never falls back to the in-cluster config on its own: the order
// is rawConfig's to decide.
func fromFiles(rules *clientcmd.ClientConfigLoadingRules) (*rest.Config, error) {
	raw, err := rules.Load()
	if err != nil {
		return nil, err
	}
	cfg, err := clientcmd.NewDefaultClientConfig(*raw, &clientcmd.ConfigOverrides{}).ClientConfig()
	if clientcmd.IsEmptyConfig(err) {
		// clientcmd's own message suggests $KUBERNETES_MASTER, which this
		// program does not read.
		return nil, errEmptyKubeconfig
	}
	return cfg, err
}

// errEmptyKubeconfig is the error of kubeconfig files that are all missing
// or empty.
var errEmptyKubeconfig = errors.New("no kubeconfig file found, or all are empty")

// tune sets what this program needs on any configuration.
func tune(cfg *rest.Config, log *zap.Logger) {
	cfg.QPS = ClientQPS
	cfg.Burst = ClientBurst
	cfg.UserAgent = userAgentName + "/" + version.Version()
	cfg.WarningHandlerWithContext = newWarningLogger(log)
	cfg.Wrap(retryAfterLogger(log))
}

// ResolveNamespace returns the control plane namespace: the --namespace flag
// when set, else $POD_NAMESPACE, else the namespace of the pod's service
// account, else DefaultNamespace.
func ResolveNamespace(flag string) string {
	return processEnvironment().resolveNamespace(flag)
}

func (env environment) resolveNamespace(flag string) string {
	if flag != "" {
		return flag
	}
	if ns := strings.TrimSpace(env.getenv(envPodNamespace)); ns != "" {
		return ns
	}
	// A missing or unreadable file means no service account is mounted;
	// the default is then the answer, not an error.
	if data, err := env.readFile(serviceAccountNamespaceFile); err == nil {
		if ns := strings.TrimSpace(string(data)); ns != "" {
			return ns
		}
	}
	return DefaultNamespace
}
