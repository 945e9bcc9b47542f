package cli

import (
	"context"
	"crypto/x509"
	"slices"
	"strings"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset/typed/apiextensions/v1"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/certs"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// advanceCARotation runs step 2 of a CA rotation of the self-managed Secret
// (see certs.RotationFraction) once the CRDs have been applied: when every
// CRD that calls this webhook trusts the new CA, the serving certificate
// moves to it. Steps 1 and 3 ran in certs.EnsureSecret before the CRDs were
// written. Nothing happens for another CA source, a dry run, or CRDs
// without the webhook.
func (o *applyOptions) advanceCARotation(s *session, client apiextensionsclient.CustomResourceDefinitionInterface,
	retry crds.Retrier, conv crds.Conversion) error {
	if o.caSource != caSourceSecret || o.dryRun || conv.Strategy != crds.ConversionWebhook {
		return nil
	}
	trusted := o.trustCheck(client, retry, conv)
	_, err := certs.PromoteNextCA(s.ctx, s.client, s.namespace, o.serviceName, trusted, retry, s.log, time.Now)
	return err
}

// trustCheck returns a certs.TrustCheck over every CRD in the cluster whose
// conversion calls the webhook conv points at, bundled or not: a CRD of a
// newer bundle that apply left alone is called with the same certificate.
func (o *applyOptions) trustCheck(client apiextensionsclient.CustomResourceDefinitionInterface,
	retry crds.Retrier, conv crds.Conversion) certs.TrustCheck {
	return func(ctx context.Context, ca *x509.Certificate) ([]string, error) {
		live, err := crds.ListLive(ctx, client, retry)
		if err != nil {
			return nil, err
		}
		var untrusting []string
		for name, crd := range live {
			cfg := webhookClientConfig(crd)
			if cfg != nil && callsWebhook(cfg, conv) && !certs.BundleContains(cfg.CABundle, ca) {
				untrusting = append(untrusting, name)
			}
		}
		// Sorted, for a log line that reads the same from run to run.
		slices.Sort(untrusting)
		return untrusting, nil
	}
}

// webhookClientConfig returns the conversion webhook client config of crd,
// or nil when its objects are not converted by a webhook.
func webhookClientConfig(crd *apiextensionsv1.CustomResourceDefinition) *apiextensionsv1.WebhookClientConfig {
	c := crd.Spec.Conversion
	if c == nil || c.Strategy != apiextensionsv1.WebhookConverter || c.Webhook == nil {
		return nil
	}
	return c.Webhook.ClientConfig
}

// callsWebhook tells whether cfg calls the webhook conv points at: the same
// base URL, or the same Service.
func callsWebhook(cfg *apiextensionsv1.WebhookClientConfig, conv crds.Conversion) bool {
	if conv.URL != "" {
		return cfg.URL != nil && strings.HasPrefix(*cfg.URL, conv.URL+crds.ConvertPathPrefix)
	}
	return cfg.Service != nil && cfg.Service.Namespace == conv.ServiceNamespace && cfg.Service.Name == conv.ServiceName
}
