package cli

import (
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/utils/ptr"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

func TestCallsWebhook(t *testing.T) {
	byService := crds.Conversion{ServiceNamespace: "osm-system", ServiceName: "osm-bootstrap"}
	byURL := crds.Conversion{URL: "https://127.0.0.1:9443"}
	service := func(ns, name string) *apiextensionsv1.WebhookClientConfig {
		return &apiextensionsv1.WebhookClientConfig{Service: &apiextensionsv1.ServiceReference{Namespace: ns, Name: name}}
	}
	url := func(u string) *apiextensionsv1.WebhookClientConfig {
		return &apiextensionsv1.WebhookClientConfig{URL: ptr.To(u)}
	}
	cases := []struct {
		name string
		cfg  *apiextensionsv1.WebhookClientConfig
		conv crds.Conversion
		want bool
	}{
		{name: "our Service", cfg: service("osm-system", "osm-bootstrap"), conv: byService, want: true},
		{name: "a Service of another namespace", cfg: service("other-mesh", "osm-bootstrap"), conv: byService},
		{name: "another Service", cfg: service("osm-system", "other"), conv: byService},
		{name: "a URL while we use a Service", cfg: url("https://127.0.0.1:9443/convert/a.b"), conv: byService},
		{name: "our URL", cfg: url("https://127.0.0.1:9443/convert/a.example.io"), conv: byURL, want: true},
		{name: "another port", cfg: url("https://127.0.0.1:94430/convert/a.b"), conv: byURL},
		{name: "a Service while we use a URL", cfg: service("osm-system", "osm-bootstrap"), conv: byURL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := callsWebhook(tc.cfg, tc.conv); got != tc.want {
				t.Errorf("callsWebhook = %v, want %v", got, tc.want)
			}
		})
	}
}
