package migrate

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"go.uber.org/zap"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/certs"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/version"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// bundleWithout returns the embedded bundle with version dropped from crd,
// as a later release that no longer carries it would ship. The binary
// takes no bundle directory, so the test applies it in process, with the
// package the binary's apply runs.
func bundleWithout(t *testing.T, crd, version string) *crds.Bundle {
	t.Helper()
	dir := t.TempDir()
	for _, c := range framework.MustBundle(t).CRDs() {
		if c.Name == crd {
			c.Spec.Versions = slices.DeleteFunc(c.Spec.Versions, func(v apiextensionsv1.CustomResourceDefinitionVersion) bool {
				return v.Name == version
			})
		}
		c.APIVersion, c.Kind = apiextensionsv1.SchemeGroupVersion.String(), "CustomResourceDefinition"
		data, err := yaml.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, c.Name+".yaml"), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b, err := crds.Load(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// applyBundle applies b as `apply` with the test's webhook URL would.
func (c *cluster) applyBundle(t *testing.T, b *crds.Bundle) error {
	t.Helper()
	secret, err := kubernetes.NewForConfigOrDie(cp.Config).CoreV1().Secrets(framework.Namespace).
		Get(c.ctx, certs.SecretName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := version.Parse()
	if err != nil {
		t.Fatal(err)
	}
	applier := &crds.Applier{
		Client: apiextensionsclient.NewForConfigOrDie(cp.Config).ApiextensionsV1().CustomResourceDefinitions(),
		Log:    zap.NewNop(),
		Retry:  func(ctx context.Context, _ string, fn func(context.Context) error) error { return fn(ctx) },
		Options: crds.Options{
			BundleVersion: v,
			Conversion: crds.Conversion{
				Strategy:         crds.ConversionWebhook,
				ServiceNamespace: framework.Namespace,
				ServiceName:      "osm-bootstrap",
				ServicePort:      9443,
				URL:              "https://127.0.0.1:" + strconv.Itoa(c.port),
				CABundle:         secret.Data[certs.CACertKey],
			},
		},
	}
	_, err = applier.Apply(c.ctx, b)
	return err
}
