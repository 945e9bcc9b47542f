package deploy

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/certs"
)

const (
	// foreignCRD is a CRD osm-edge v1.1.3 installed and the bundle no
	// longer carries: it exists, so a refusal cannot be a 404 in disguise.
	foreignCRD = "multiclusterservices.config.openservicemesh.io"
	// unrelatedCRD is a CRD nobody installed.
	unrelatedCRD = "widgets.example.com"
	meshConfigs  = "meshconfigs.config.openservicemesh.io"
	labelPatch   = `{"metadata":{"labels":{"deploy-test":"refused"}}}`
)

// clients reach the API server as the service account.
type clients struct {
	kube kubernetes.Interface
	ext  apiextensionsclient.Interface
}

func saClients() clients {
	cfg := saConfig()
	return clients{kube: kubernetes.NewForConfigOrDie(cfg), ext: apiextensionsclient.NewForConfigOrDie(cfg)}
}

// refusals are actions outside the role, each of which the API server must
// refuse with 403.
var refusals = []struct {
	name string
	do   func(context.Context, clients) error
}{
	{"delete a bundled CRD", func(ctx context.Context, c clients) error {
		return c.ext.ApiextensionsV1().CustomResourceDefinitions().Delete(ctx, meshConfigs, metav1.DeleteOptions{})
	}},
	{"patch a CRD the bundle does not carry", func(ctx context.Context, c clients) error {
		_, err := c.ext.ApiextensionsV1().CustomResourceDefinitions().Patch(ctx, foreignCRD, types.MergePatchType,
			[]byte(labelPatch), metav1.PatchOptions{})
		return err
	}},
	{"update the status of a CRD the bundle does not carry", func(ctx context.Context, c clients) error {
		crd, err := c.ext.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, foreignCRD, metav1.GetOptions{})
		if err != nil {
			return err
		}
		_, err = c.ext.ApiextensionsV1().CustomResourceDefinitions().UpdateStatus(ctx, crd, metav1.UpdateOptions{})
		return err
	}},
	// create is granted by name only, which a POST does not carry: every
	// POST of a CRD is refused, whatever its name.
	{"create an unrelated CRD", func(ctx context.Context, c clients) error {
		_, err := c.ext.ApiextensionsV1().CustomResourceDefinitions().Create(ctx, widgetCRD(), metav1.CreateOptions{})
		return err
	}},
	{"create a bundled CRD with a POST", func(ctx context.Context, c clients) error {
		crd := widgetCRD()
		crd.Name = meshConfigs
		_, err := c.ext.ApiextensionsV1().CustomResourceDefinitions().Create(ctx, crd, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return err
	}},
	// A server-side apply carries the name, and the name is not the
	// bundle's.
	{"create an unrelated CRD with server-side apply", func(ctx context.Context, c clients) error {
		body := `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"` + unrelatedCRD + `"}}`
		_, err := c.ext.ApiextensionsV1().CustomResourceDefinitions().Patch(ctx, unrelatedCRD, types.ApplyPatchType,
			[]byte(body), metav1.PatchOptions{FieldManager: "deploy-test", DryRun: []string{metav1.DryRunAll}})
		return err
	}},
	{"read another Secret", func(ctx context.Context, c clients) error {
		_, err := c.kube.CoreV1().Secrets(namespace).Get(ctx, "another-secret", metav1.GetOptions{})
		return err
	}},
	{"list the Secrets", func(ctx context.Context, c clients) error {
		_, err := c.kube.CoreV1().Secrets(namespace).List(ctx, metav1.ListOptions{})
		return err
	}},
	{"read the webhook Secret's namesake in another namespace", func(ctx context.Context, c clients) error {
		_, err := c.kube.CoreV1().Secrets(metav1.NamespaceSystem).Get(ctx, certs.SecretName, metav1.GetOptions{})
		return err
	}},
	{"delete the webhook TLS Secret", func(ctx context.Context, c clients) error {
		return c.kube.CoreV1().Secrets(namespace).Delete(ctx, certs.SecretName, metav1.DeleteOptions{})
	}},
	{"write a ConfigMap", func(ctx context.Context, c clients) error {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "deploy-test"}}
		_, err := c.kube.CoreV1().ConfigMaps(namespace).Create(ctx, cm, metav1.CreateOptions{})
		return err
	}},
	{"read another Lease", func(ctx context.Context, c clients) error {
		_, err := c.kube.CoordinationV1().Leases(namespace).Get(ctx, "another-lease", metav1.GetOptions{})
		return err
	}},
	{"list the StorageVersionMigrations", func(ctx context.Context, c clients) error {
		_, err := c.kube.StoragemigrationV1().StorageVersionMigrations().List(ctx, metav1.ListOptions{})
		return err
	}},
	{"read a Pod", func(ctx context.Context, c clients) error {
		_, err := c.kube.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
		return err
	}},
}

func checkRefusals(ctx context.Context, t *testing.T) {
	c := saClients()
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(ctx, c); !apierrors.IsForbidden(err) {
				t.Errorf("got %v, want 403 Forbidden", err)
			}
		})
	}
}

// checkKnownGrants keeps docs/deploy.md honest about the one thing the role
// allows beyond its own objects: Kubernetes cannot limit a create by name,
// so the service account may create another Secret in its namespace (here
// as a dry run), yet not read it back.
func checkKnownGrants(ctx context.Context, t *testing.T) {
	secrets := saClients().kube.CoreV1().Secrets(namespace)
	other := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "another-secret"}}
	if _, err := secrets.Create(ctx, other, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Errorf("create another Secret (dry run): %v; update docs/deploy.md if the role no longer allows it", err)
	}
	if _, err := secrets.Get(ctx, other.Name, metav1.GetOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("get another Secret: %v, want 403 Forbidden", err)
	}
}

func widgetCRD() *apiextensionsv1.CustomResourceDefinition {
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: unrelatedCRD},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "example.com",
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "widgets", Singular: "widget", Kind: "Widget", ListKind: "WidgetList"},
			Scope: apiextensionsv1.NamespaceScoped,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{Type: "object"}},
			}},
		},
	}
}
