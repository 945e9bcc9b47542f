package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"k8s.io/client-go/kubernetes"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/conversion"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/kube"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/logging"
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
		"move stored objects to the storage version in the background; NOT IMPLEMENTED YET: accepted and ignored")
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
	if o.autoMigrate {
		// TODO(webhook): run the storage migration in the background (the migration issue); accepted and inert until then.
		log.Warn("auto-migrate is not implemented yet and does nothing", zap.Bool("autoMigrate", o.autoMigrate))
	}

	registry, err := conversion.Embedded()
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
	return server.Serve(ctx)
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
