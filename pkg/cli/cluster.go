package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/pflag"
	"go.uber.org/zap"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/kube"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/logging"
)

// defaultTimeout is the overall deadline of a command that talks to a
// cluster, waiting for the API server included. An init container that gives
// up too early is restarted by the kubelet anyway; one that waits for minutes
// rides out an API server upgrade.
const defaultTimeout = 5 * time.Minute

// clusterOptions are the flags every command that talks to a cluster shares.
type clusterOptions struct {
	kubeconfig string
	namespace  string
	timeout    time.Duration
	logFormat  string
	logLevel   string
}

func (o *clusterOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.kubeconfig, "kubeconfig", "",
		"path of a kubeconfig file; default $KUBECONFIG, then the in-cluster config, then ~/.kube/config")
	fs.StringVar(&o.namespace, "namespace", "",
		"control plane namespace (TLS Secret, Lease, webhook Service); default $POD_NAMESPACE, then the service account's namespace, then osm-system")
	fs.DurationVar(&o.timeout, "timeout", defaultTimeout, "overall deadline, including waiting for the API server")
	fs.StringVar(&o.logFormat, "log-format", "", "log format, json or console; default json when stderr is not a terminal, else console")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
}

func (o *clusterOptions) validate() error {
	if o.timeout <= 0 {
		return usageError{fmt.Errorf("invalid --timeout %s: must be positive", o.timeout)}
	}
	return nil
}

// session is what a command that talks to a cluster starts from.
type session struct {
	log       *zap.Logger
	config    *rest.Config
	client    kubernetes.Interface
	namespace string
	ctx       context.Context
	cancel    context.CancelFunc
}

// start builds the logger (a usage error when its flags are invalid), loads
// the client config and applies the overall deadline to ctx.
func (o *clusterOptions) start(ctx context.Context, stderr interface{ Write([]byte) (int, error) }) (*session, error) {
	log, err := logging.New(o.logFormat, o.logLevel, stderr)
	if err != nil {
		return nil, usageError{err}
	}
	logging.RedirectKlog(log)

	cfg, err := kube.LoadConfig(o.kubeconfig, log)
	if err != nil {
		return nil, err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("build client: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	return &session{log: log, config: cfg, client: client, namespace: kube.ResolveNamespace(o.namespace), ctx: ctx, cancel: cancel}, nil
}

func (s *session) close() {
	s.cancel()
	_ = s.log.Sync()
}
