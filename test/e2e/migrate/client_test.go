package migrate

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// TestClientSideMigration upgrades from osm-edge v1.1.3 with TrafficSplits
// stored in v1alpha2 and migrates them client-side: etcd then holds every
// one in v1alpha4, each reads as before in every served version (its
// managedFields included: the rewrite takes no ownership), storedVersions is
// v1alpha4 alone, and a bundle without v1alpha2, refused before, applies.
func TestClientSideMigration(t *testing.T) {
	const n = 60
	c := upgraded(t, n)
	before := c.readAll(t)
	withoutOld := bundleWithout(t, trafficSplits, oldVersion)
	if err := c.applyBundle(t, withoutOld); !errors.Is(err, crds.ErrRefused) {
		t.Fatalf("a bundle without %s applied before the migration: %v, want ErrRefused", oldVersion, err)
	}

	run := mustMigrate(c.ctx, t, "--method", "client", settleArg, "--page-size", "7")
	lines := run.Find("CRD migrated", map[string]any{"crd": trafficSplits, "method": "client", "to": newVersion})
	if len(lines) != 1 {
		t.Fatalf("no line says %s was migrated client-side:\n%s", trafficSplits, run.Stderr)
	}
	if got := fmt.Sprint(lines[0]["objects"]); got != fmt.Sprint(n) {
		t.Errorf("%s objects migrated, want %d", got, n)
	}
	if len(run.Find("CRD migrated", nil)) != 1 {
		t.Errorf("more than %s migrated, though no other CRD stores an old version:\n%s", trafficSplits, run.Stderr)
	}

	checkAllStoredIn(t, c, newVersion, n)
	checkReadsUnchanged(t, before, c.readAll(t))
	checkStoredVersions(t, c, newVersion)

	if err := c.applyBundle(t, withoutOld); err != nil {
		t.Fatalf("a bundle without %s after the migration: %v", oldVersion, err)
	}
	for _, v := range c.crd(t).Spec.Versions {
		if v.Name == oldVersion {
			t.Errorf("%s still has %s after the bundle without it applied", trafficSplits, oldVersion)
		}
	}

	again := mustMigrate(c.ctx, t, settleArg)
	if len(again.Find("no CRD needs migrating", nil)) != 1 {
		t.Errorf("a second run found work:\n%s", again.Stderr)
	}
}

// TestUnknownCRDIsUsageError names CRDs the bundle does not carry, or the
// cluster lacks: exit 3 before anything is written.
func TestUnknownCRDIsUsageError(t *testing.T) {
	c := upgraded(t, 3)
	const absent = "meshrootcertificates.config.openservicemesh.io"
	deleteCRD(c.ctx, t, absent)
	rvs := resourceVersions(c.readAll(t)[newVersion])
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"not bundled", []string{trafficSplits, "widgets.example.com"}, "the bundle does not carry widgets.example.com"},
		{"not in the cluster", []string{absent}, "the cluster has no CRD " + absent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run := migrate(c.ctx, t, append(tc.args, "--method", "client", settleArg)...)
			if run.Code != 3 {
				t.Errorf("exit code %d, want 3\n%s", run.Code, run.Stderr)
			}
			if !strings.Contains(run.Stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, run.Stderr)
			}
		})
	}
	if now := resourceVersions(c.readAll(t)[newVersion]); !maps.Equal(now, rvs) {
		t.Errorf("a refused run rewrote objects")
	}
	checkStoredVersions(t, c, oldVersion, newVersion)
}

// deleteCRD deletes a CRD that holds no objects and waits until it is gone.
func deleteCRD(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	client := apiextensionsclient.NewForConfigOrDie(cp.Config).ApiextensionsV1().CustomResourceDefinitions()
	if err := client.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, pollInterval, deleteTimeout, true, func(ctx context.Context) (bool, error) {
		_, err := client.Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Fatalf("CRD %s not gone: %v", name, err)
	}
}
