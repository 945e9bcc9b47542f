package framework

import (
	"slices"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// StorageMigrationAPI is the API of the built-in storage version migration
// that migrate's builtin method (and the first step of auto) relies on.
// Kubernetes 1.37 serves it; 1.34 has only v1alpha1, off by default.
const StorageMigrationAPI = "storagemigration.k8s.io/v1"

// storageMigrationResource is the resource of StorageMigrationAPI that
// migrate creates.
const storageMigrationResource = "storageversionmigrations"

// ServesStorageMigration reports whether the cluster serves
// StorageVersionMigrations in StorageMigrationAPI, asking discovery as
// migrate does: a NotFound means it does not; any other error fails the
// test.
func ServesStorageMigration(t *testing.T, cfg *rest.Config) bool {
	t.Helper()
	return ServesResource(t, cfg, StorageMigrationAPI, storageMigrationResource)
}

// ServesResource reports whether the cluster serves resource in the group
// version gv ("group/version"), from discovery. A group version the server
// does not know is a false; any other error fails the test.
func ServesResource(t *testing.T, cfg *rest.Config, gv, resource string) bool {
	t.Helper()
	client, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatalf("discovery client: %v", err)
	}
	list, err := client.ServerResourcesForGroupVersion(gv)
	if apierrors.IsNotFound(err) {
		return false
	}
	if err != nil {
		t.Fatalf("discover %s: %v", gv, err)
	}
	return slices.ContainsFunc(list.APIResources, func(r metav1.APIResource) bool { return r.Name == resource })
}
