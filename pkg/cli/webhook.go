package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/kubernetes"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/automigrate"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/conversion"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/kube"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/logging"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/migrate"
)

// webhookOptions are the flags of `webhook`.
type webhookOptions struct {
	cluster      clusterOptions
	port         int
	healthPort   int
	certFile     string
	keyFile      string
	autoMigrate  bool
	drainDelay   time.Duration
	maxBodyBytes int64
	serviceName  string
}

func newWebhookCommand() *cobra.Command {
	o := &webhookOptions{}
	cmd := &cobra.Command{
		Use:   "webhook",
		Short: "Serve the conversion webhook of the bundle's CRDs",
		Long: "webhook serves, over HTTPS on --port, the conversions between the versions of every " +
			"bundled CRD that the API server asks for, and /healthz, /readyz and /metrics over plain " +
			"HTTP on --health-port. Its certificate comes from --tls-cert-file and --tls-key-file, " +
			"or else from the self-managed Secret in --namespace; either is reloaded when it changes. " +
			"It runs until SIGTERM, then keeps serving for --drain-delay before it stops.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			return o.run(cmd.Context(), cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	o.cluster.addFlags(fs)
	fs.IntVar(&o.port, "port", 9443, "HTTPS port of the conversions")
	fs.IntVar(&o.healthPort, "health-port", 9091, "plain HTTP port of /healthz, /readyz and /metrics")
	fs.StringVar(&o.certFile, "tls-cert-file", "",
		"PEM serving certificate chain, reloaded when it changes; with --tls-key-file; default: the Secret "+
			"osm-bootstrap-webhook-tls in --namespace")
	fs.StringVar(&o.keyFile, "tls-key-file", "", "PEM key of --tls-cert-file")
	fs.StringVar(&o.serviceName, "webhook-service-name", "osm-bootstrap",
		"name of the webhook's Service in --namespace, for the DNS names of a renewed serving certificate")
	fs.BoolVar(&o.autoMigrate, "auto-migrate", true,
		"once ready, move stored objects to the storage version in the background and trim storedVersions, "+
			"on one replica at a time (the Lease osm-bootstrap-storage-migration in --namespace)")
	fs.DurationVar(&o.drainDelay, "drain-delay", conversion.DefaultDrainDelay,
		"how long to keep serving after SIGTERM, while endpoints stop sending traffic to the pod")
	fs.Int64Var(&o.maxBodyBytes, "max-body-bytes", conversion.DefaultMaxBodyBytes,
		"largest ConversionReview body accepted; larger ones get 413")
	return cmd
}

// validate checks the flags before any port is opened.
func (o *webhookOptions) validate() error {
	if err := o.cluster.validate(); err != nil {
		return err
	}
	for _, p := range []struct {
		flag string
		port int
	}{{"--port", o.port}, {"--health-port", o.healthPort}} {
		if p.port < 1 || p.port > 65535 {
			return usageError{fmt.Errorf("invalid %s %d: want 1 to 65535", p.flag, p.port)}
		}
	}
	if o.port == o.healthPort {
		return usageError{fmt.Errorf("--port and --health-port must differ, both are %d", o.port)}
	}
	if (o.certFile == "") != (o.keyFile == "") {
		return usageError{fmt.Errorf("--tls-cert-file and --tls-key-file go together")}
	}
	if o.serviceName == "" {
		return usageError{fmt.Errorf("--webhook-service-name must not be empty")}
	}
	if o.drainDelay < 0 {
		return usageError{fmt.Errorf("invalid --drain-delay %s: must not be negative", o.drainDelay)}
	}
	if o.maxBodyBytes <= 0 {
		return usageError{fmt.Errorf("invalid --max-body-bytes %d: must be positive", o.maxBodyBytes)}
	}
	if err := logging.ValidateFormat(o.cluster.logFormat); err != nil {
		return usageError{err}
	}
	if _, err := logging.ParseLevel(o.cluster.logLevel); err != nil {
		return usageError{err}
	}
	return nil
}

// run serves until ctx ends. --timeout does not bound it: a server runs
// until it is told to stop.
func (o *webhookOptions) run(ctx context.Context, stderr io.Writer) error {
	log, err := logging.New(o.cluster.logFormat, o.cluster.logLevel, stderr)
	if err != nil {
		return usageError{err}
	}
	defer func() { _ = log.Sync() }()
	logging.RedirectKlog(log)
	// One bundle for the converters and the migration: loading it is most
	// of the process's memory at start.
	// TODO(memory): loading and validating the bundle puts about 10 MiB on
	// the webhook's RSS before its first review (BenchmarkServerVsControllerRuntime:
	// 58 MiB at start against controller-runtime's 48), which a webhook on
	// Go types does not pay; building the converters' schemas at compile
	// time, not from the manifests, would remove most of it.
	bundle, err := crds.Embedded()
	if err != nil {
		return err
	}
	registry, err := conversion.NewRegistry(bundle.CRDs())
	if err != nil {
		return err
	}
	metrics := conversion.NewMetrics()
	source, err := o.certSource(metrics, log)
	if err != nil {
		return err
	}
	server := conversion.NewServer(conversion.ServerOptions{
		Addr:         conversion.JoinHostPort(o.port),
		HealthAddr:   conversion.JoinHostPort(o.healthPort),
		DrainDelay:   o.drainDelay,
		MaxBodyBytes: o.maxBodyBytes,
		Log:          log,
	}, registry, source, metrics)
	if o.autoMigrate {
		if err := o.startAutoMigrate(ctx, bundle, server.Ready, log); err != nil {
			return err
		}
	}
	return server.Serve(ctx)
}

// startAutoMigrate runs the storage migration in the background, under the
// migration Lease, once the server is ready. Its failures are logged and
// retried; they never stop the serving of conversions.
func (o *webhookOptions) startAutoMigrate(ctx context.Context, bundle *crds.Bundle, ready func() bool,
	log *zap.Logger) error {
	cfg, err := kube.LoadConfig(o.cluster.kubeconfig, log)
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("build client: %w", err)
	}
	log = log.Named("automigrate")
	migrator, err := migrate.New(cfg, bundle, log, migrate.Options{})
	if err != nil {
		return err
	}
	identity, err := leaseIdentity()
	if err != nil {
		return err
	}
	opts := automigrate.Options{
		Client:    client,
		Namespace: kube.ResolveNamespace(o.cluster.namespace),
		Identity:  identity,
		Ready:     ready,
		Migrate: func(ctx context.Context) error {
			_, err := migrator.Run(ctx, nil)
			return err
		},
		Log: log,
	}
	go func() {
		if err := automigrate.Run(ctx, opts); err != nil {
			log.Error("storage migration not started", zap.Error(err))
		}
	}()
	return nil
}

// leaseIdentity names this process in the migration Lease: the pod name
// (the host name in a pod) and a random suffix, so that two processes on one
// host, as in tests, never share an identity.
func leaseIdentity() (string, error) {
	host, err := os.Hostname()
	if err != nil {
		return "", fmt.Errorf("host name: %w", err)
	}
	return host + "_" + string(uuid.NewUUID()), nil
}

// certSource returns the files' source when they are given, else the
// Secret's, which needs the cluster.
func (o *webhookOptions) certSource(metrics *conversion.Metrics, log *zap.Logger) (*conversion.CertSource, error) {
	if o.certFile != "" {
		return conversion.NewFileCertSource(o.certFile, o.keyFile, metrics, log), nil
	}
	cfg, err := kube.LoadConfig(o.cluster.kubeconfig, log)
	if err != nil {
		return nil, err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("build client: %w", err)
	}
	return conversion.NewSecretCertSource(client, kube.ResolveNamespace(o.cluster.namespace), o.serviceName,
		metrics, log), nil
}
