package cli

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/certs"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/kube"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/version"
)

// The --ca-bundle-source values.
const (
	caSourceSecret = "secret"
	caSourceFile   = "file"
	caSourceNone   = "none"
)

// applyOptions are the flags of `apply`.
type applyOptions struct {
	cluster        clusterOptions
	serviceName    string
	webhookPort    int32
	webhookURL     string
	caSource       string
	caFile         string
	conversion     string
	allowDowngrade bool
	takeOver       bool
	dryRun         bool
}

func newApplyCommand() *cobra.Command {
	o := &applyOptions{}
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Bring the cluster's CRDs to the embedded bundle (the init container's job)",
		Long: "apply creates or updates every CRD of the embedded bundle with server-side apply, " +
			"after checking that nothing stored would be lost, and waits until each is established. " +
			"CRDs the bundle does not carry are left alone; a CRD of a newer bundle is left alone " +
			"unless --allow-downgrade.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			return o.run(cmd.Context(), cmd)
		},
	}
	o.addFlags(cmd)
	return cmd
}

func (o *applyOptions) addFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	o.cluster.addFlags(fs)
	fs.StringVar(&o.serviceName, "webhook-service-name", "osm-bootstrap", "name of the conversion webhook's Service in --namespace")
	fs.Int32Var(&o.webhookPort, "webhook-port", 9443, "port of the conversion webhook's Service, always written into the CRDs")
	fs.StringVar(&o.webhookURL, "webhook-url", "",
		"base https URL of a conversion webhook outside the cluster, such as https://127.0.0.1:9443; the per-CRD path is appended; replaces the Service")
	fs.StringVar(&o.caSource, "ca-bundle-source", caSourceSecret,
		"where the CA the API server trusts the webhook with comes from: secret (the self-managed CA), file (--ca-bundle-file) or none (cert-manager's cainjector injects it)")
	fs.StringVar(&o.caFile, "ca-bundle-file", "", "PEM file of the CA bundle, with --ca-bundle-source file")
	fs.StringVar(&o.conversion, "conversion", string(crds.ConversionWebhook),
		"webhook: convert every version through the webhook; none: serve only the versions an apiVersion rewrite converts without loss")
	fs.BoolVar(&o.allowDowngrade, "allow-downgrade", false, "apply over CRDs that a newer bundle installed")
	fs.BoolVar(&o.takeOver, "take-over-conversion", false,
		"point CRDs at this control plane's webhook even when their openservicemesh.io/conversion-owner annotation names another one")
	fs.BoolVar(&o.dryRun, "dry-run", false, "send every write as a server-side dry run; change nothing")
}

// validate checks the flags before any request is sent.
func (o *applyOptions) validate() error {
	if err := o.cluster.validate(); err != nil {
		return err
	}
	switch crds.ConversionStrategy(o.conversion) {
	case crds.ConversionWebhook, crds.ConversionNone:
	default:
		return usageError{fmt.Errorf("invalid --conversion %q: want webhook or none", o.conversion)}
	}
	switch o.caSource {
	case caSourceSecret, caSourceNone:
	case caSourceFile:
		if o.caFile == "" {
			return usageError{fmt.Errorf("--ca-bundle-source file needs --ca-bundle-file")}
		}
	default:
		return usageError{fmt.Errorf("invalid --ca-bundle-source %q: want secret, file or none", o.caSource)}
	}
	if o.webhookPort < 1 || o.webhookPort > 65535 {
		return usageError{fmt.Errorf("invalid --webhook-port %d: want 1 to 65535", o.webhookPort)}
	}
	if o.serviceName == "" {
		return usageError{fmt.Errorf("--webhook-service-name must not be empty")}
	}
	return o.validateURL()
}

func (o *applyOptions) validateURL() error {
	if o.webhookURL == "" {
		return nil
	}
	u, err := url.Parse(o.webhookURL)
	if err != nil {
		return usageError{fmt.Errorf("invalid --webhook-url: %w", err)}
	}
	if u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return usageError{fmt.Errorf("invalid --webhook-url %q: want https://host[:port][/path] without user, query or fragment", o.webhookURL)}
	}
	o.webhookURL = strings.TrimSuffix(o.webhookURL, "/")
	return nil
}

func (o *applyOptions) run(ctx context.Context, cmd *cobra.Command) error {
	s, err := o.cluster.start(ctx, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer s.close()

	bundleVersion, err := version.Parse()
	if err != nil {
		return err
	}
	// Decoding and validating the bundle takes tens of milliseconds; it
	// overlaps the first round trips to the API server.
	loaded := make(chan bundleOrError, 1)
	go func() {
		b, err := crds.Embedded()
		loaded <- bundleOrError{b, err}
	}()

	retry := newRetrier(s.log)
	if err := checkServer(s, retry); err != nil {
		return err
	}

	conv, err := o.conversionFor(s, retry)
	if err != nil {
		return err
	}
	ext, err := apiextensionsclient.NewForConfig(protobuf(s.config))
	if err != nil {
		return fmt.Errorf("build client: %w", err)
	}
	b := <-loaded
	if b.err != nil {
		return b.err
	}
	applier := &crds.Applier{
		Client: ext.ApiextensionsV1().CustomResourceDefinitions(),
		Log:    s.log,
		Retry:  retry,
		Options: crds.Options{
			BundleVersion:      bundleVersion,
			Conversion:         conv,
			AllowDowngrade:     o.allowDowngrade,
			TakeOverConversion: o.takeOver,
			DryRun:             o.dryRun,
		},
	}
	if _, err := applier.Apply(s.ctx, b.bundle); err != nil {
		return err
	}
	return o.advanceCARotation(s, ext.ApiextensionsV1().CustomResourceDefinitions(), retry, conv)
}

type bundleOrError struct {
	bundle *crds.Bundle
	err    error
}

// protobuf returns a copy of cfg that talks protobuf, which CRDs (a built-in
// kind) support: reading 19 large CRDs decodes several times faster than
// from JSON. Server-side apply bodies are still sent as JSON.
func protobuf(cfg *rest.Config) *rest.Config {
	c := rest.CopyConfig(cfg)
	c.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	c.ContentType = "application/vnd.kubernetes.protobuf"
	return c
}

// conversionFor builds the conversion stanza the flags ask for, reading the
// CA bundle from its source.
func (o *applyOptions) conversionFor(s *session, retry crds.Retrier) (crds.Conversion, error) {
	conv := crds.Conversion{
		Strategy:         crds.ConversionStrategy(o.conversion),
		ServiceNamespace: s.namespace,
		ServiceName:      o.serviceName,
		ServicePort:      o.webhookPort,
		URL:              o.webhookURL,
	}
	if conv.Strategy != crds.ConversionWebhook {
		return conv, nil
	}
	ca, err := o.caBundle(s, retry)
	if err != nil {
		return conv, err
	}
	conv.CABundle = ca
	return conv, nil
}

func (o *applyOptions) caBundle(s *session, retry crds.Retrier) ([]byte, error) {
	switch o.caSource {
	case caSourceFile:
		return certs.ReadCABundleFile(o.caFile)
	case caSourceSecret:
		if o.dryRun {
			return existingCA(s, s.client, retry)
		}
		return certs.EnsureSecret(s.ctx, s.client, s.namespace, o.serviceName, retry, s.log, time.Now)
	default:
		return nil, nil
	}
}

// existingCA reads the CA of the self-managed Secret without creating it,
// for a dry run; a missing Secret gives no caBundle.
func existingCA(s *session, client kubernetes.Interface, retry crds.Retrier) ([]byte, error) {
	var secret *corev1.Secret
	err := retry(s.ctx, "get webhook TLS secret", func(ctx context.Context) error {
		var err error
		secret, err = client.CoreV1().Secrets(s.namespace).Get(ctx, certs.SecretName, metav1.GetOptions{})
		return err
	})
	if apierrors.IsNotFound(err) {
		s.log.Info("webhook TLS secret would be created", zap.String("secret", certs.SecretName), zap.String("namespace", s.namespace))
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get webhook TLS secret %s/%s: %w", s.namespace, certs.SecretName, err)
	}
	return secret.Data[certs.CACertKey], nil
}

// newRetrier adapts kube.Retry, with its default backoff, to crds.Retrier.
func newRetrier(log *zap.Logger) crds.Retrier {
	return func(ctx context.Context, op string, fn func(context.Context) error) error {
		return kube.Retry(ctx, log, op, kube.DefaultBackoff(), fn)
	}
}

// checkServer waits for the API server and checks its version against the
// supported range; a newer server is logged, not refused.
func checkServer(s *session, retry crds.Retrier) error {
	return retry(s.ctx, "check server version", func(ctx context.Context) error {
		v, err := kube.CheckServerVersion(ctx, s.client.Discovery(), version.MinKubernetes, version.MaxKubernetes)
		if kube.IsNewerThanSupported(err) {
			s.log.Warn("Kubernetes is newer than the supported range", zap.String("server", v.String()),
				zap.String("max", version.MaxKubernetes))
			return nil
		}
		if err == nil {
			s.log.Debug("Kubernetes version supported", zap.String("server", v.String()))
		}
		return err
	})
}
