package deploy

import (
	"context"
	"path/filepath"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

const namespace = framework.Namespace

// The identity of the manifests' service account, as the API server sees
// a pod's requests.
const saName = "osm-bootstrap"

var (
	saUser   = "system:serviceaccount:" + namespace + ":" + saName
	saGroups = []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"}
)

// rbacKinds are the manifests that grant the service account its rights.
var rbacKinds = sets.New("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")

// saConfig is cp.Config impersonating the service account.
func saConfig() *rest.Config {
	cfg := rest.CopyConfig(cp.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: saUser, Groups: saGroups}
	cfg.WarningHandler = rest.NoWarnings{}
	return cfg
}

// saKubeconfig writes a kubeconfig that impersonates the service account,
// for the binary.
func saKubeconfig(t *testing.T) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(cp.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, user := range cfg.AuthInfos {
		user.Impersonate = saUser
		user.ImpersonateGroups = saGroups
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// grantRBAC creates the RBAC manifests of deploy/, and nothing else from
// it, and deletes them when the test ends.
func grantRBAC(ctx context.Context, t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	mapper := restMapper(t)
	client := dynamic.NewForConfigOrDie(cp.Config)
	for _, obj := range objs {
		if !rbacKinds.Has(obj.GetKind()) {
			continue
		}
		gvk := obj.GroupVersionKind()
		mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			t.Fatal(err)
		}
		resource := client.Resource(mapping.Resource).Namespace(obj.GetNamespace())
		if _, err := resource.Create(ctx, obj, createOpts); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("create %s %s: %v", obj.GetKind(), obj.GetName(), err)
		}
		t.Cleanup(func() {
			err := resource.Delete(context.WithoutCancel(ctx), obj.GetName(), deleteOpts)
			if err != nil && !apierrors.IsNotFound(err) {
				t.Errorf("delete %s %s: %v", obj.GetKind(), obj.GetName(), err)
			}
		})
	}
}
