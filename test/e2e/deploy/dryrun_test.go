package deploy

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"

	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// dryRunTimeout bounds TestDryRunCreate.
const dryRunTimeout = time.Minute

// TestDryRunCreate sends every manifest of `kubectl kustomize deploy` to the
// API server as a server-side dry-run create, after creating its namespace:
// the server's validation and admission, not a local schema, judge them.
func TestDryRunCreate(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), dryRunTimeout)
	defer cancel()
	objs := manifests(ctx, t)
	framework.EnsureNamespace(ctx, t, cp.Config, namespace)

	mapper := restMapper(t)
	client := dynamic.NewForConfigOrDie(cp.Config)
	for _, obj := range objs {
		t.Run(obj.GetKind()+"/"+obj.GetName(), func(t *testing.T) {
			if err := dryRunCreate(ctx, client, mapper, obj); err != nil {
				t.Error(err)
			}
		})
	}
}

func dryRunCreate(ctx context.Context, client dynamic.Interface, mapper meta.RESTMapper, obj *unstructured.Unstructured) error {
	gvk := obj.GroupVersionKind()
	mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return err
	}
	resource := client.Resource(mapping.Resource)
	opts := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: metav1.FieldValidationStrict}
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		_, err = resource.Namespace(obj.GetNamespace()).Create(ctx, obj, opts)
		return err
	}
	_, err = resource.Create(ctx, obj, opts)
	return err
}

// restMapper maps kinds to resources from the server's discovery.
func restMapper(t *testing.T) meta.RESTMapper {
	t.Helper()
	d, err := discovery.NewDiscoveryClientForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := restmapper.GetAPIGroupResources(d)
	if err != nil {
		t.Fatal(err)
	}
	return restmapper.NewDiscoveryRESTMapper(groups)
}
