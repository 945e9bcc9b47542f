package automigrate

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/automigrate"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

const (
	testTimeout = 4 * time.Minute
	// migratedTimeout bounds the wait for a background migration to trim
	// storedVersions; it covers the fall-back bound of the built-in
	// migration, which a bare API server cannot run.
	migratedTimeout = 2 * time.Minute
	// objectCount is how many TrafficSplits are stored in v1alpha2.
	objectCount = 20
	splits      = "trafficsplits.split.smi-spec.io"
	// Lease messages of the webhook's log.
	msgAcquired = "storage migration Lease acquired"
	msgDone     = "storage migration done"
)

// TestOneWebhookMigratesAndTheOtherTakesOver: of two webhooks with
// --auto-migrate, only the Lease holder migrates; when it stops, the other
// acquires the Lease and migrates what is left.
func TestOneWebhookMigratesAndTheOtherTakesOver(t *testing.T) {
	ctx := framework.Reset(t, cp.Config, testTimeout)
	storeOldObjects(ctx, t)
	portA, portB := framework.FreePort(t), framework.FreePort(t)
	framework.MustExec(ctx, t, cp.Kubeconfig, 0, framework.ApplyArgs(framework.Namespace, portA)...)

	a := framework.StartWebhook(ctx, t, cp.Kubeconfig, portA, "--auto-migrate")
	b := framework.StartWebhook(ctx, t, cp.Kubeconfig, portB, "--auto-migrate")
	waitTrimmed(ctx, t)

	leader, other := a, b
	if len(b.Log().Find(msgAcquired, nil)) > 0 {
		leader, other = b, a
	}
	if n := len(leader.Log().Find(msgAcquired, nil)); n != 1 {
		t.Fatalf("leader acquired the Lease %d times, want 1; log:\n%s", n, leader.Log().Stderr)
	}
	if n := len(other.Log().Find(msgAcquired, nil)) + len(other.Log().Find(msgDone, nil)); n != 0 {
		t.Fatalf("both webhooks migrated; second log:\n%s", other.Log().Stderr)
	}
	checkHolder(ctx, t, leader)

	// Make the CRD need a migration again, then stop the leader: the other
	// takes the Lease over and trims storedVersions once more.
	untrim(ctx, t)
	leader.Stop(t)
	waitTrimmed(ctx, t)
	if n := len(other.Log().Find(msgAcquired, nil)); n != 1 {
		t.Fatalf("second webhook acquired the Lease %d times after the first stopped, want 1; log:\n%s",
			n, other.Log().Stderr)
	}
	checkHolder(ctx, t, other)
}

// storeOldObjects installs osm-edge v1.1.3's CRDs and stores TrafficSplits
// in v1alpha2, that release's storage version.
func storeOldObjects(ctx context.Context, t *testing.T) {
	t.Helper()
	dir := framework.PreviousRelease("osm-edge-v1.1.3")
	if out, err := cp.Kubectl(ctx, "apply", "-f", dir); err != nil {
		t.Fatalf("kubectl apply: %v\n%s", err, out)
	}
	if err := framework.WaitEstablished(ctx, cp.Config, []string{splits}); err != nil {
		t.Fatal(err)
	}
	obj := framework.TestObject(t, splits, "v1alpha2.yaml")
	client := dynamic.NewForConfigOrDie(cp.Config).Resource(framework.Resource(splits, "v1alpha2"))
	for i := range objectCount {
		o := obj.DeepCopy()
		o.SetName(fmt.Sprintf("split-%d", i))
		if _, err := client.Namespace(framework.Namespace).Create(ctx, o, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// waitTrimmed waits until the TrafficSplit CRD lists its storage version
// alone.
func waitTrimmed(ctx context.Context, t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(migratedTimeout)
	var stored []string
	for time.Now().Before(deadline) {
		stored = framework.MustGetCRD(ctx, t, cp.Config, splits).Status.StoredVersions
		if slices.Equal(stored, []string{"v1alpha4"}) {
			return
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("storedVersions still %v after %s, want [v1alpha4]", stored, migratedTimeout)
}

// untrim lists v1alpha2 in storedVersions again, as after a fresh upgrade.
func untrim(ctx context.Context, t *testing.T) {
	t.Helper()
	crd := framework.MustGetCRD(ctx, t, cp.Config, splits)
	crd.Status.StoredVersions = []string{"v1alpha2", "v1alpha4"}
	client := apiextensionsclient.NewForConfigOrDie(cp.Config).ApiextensionsV1().CustomResourceDefinitions()
	if _, err := client.UpdateStatus(ctx, crd, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// checkHolder checks that the Lease names the webhook whose log says it
// acquired it.
func checkHolder(ctx context.Context, t *testing.T, w *framework.Webhook) {
	t.Helper()
	lease, err := kubernetes.NewForConfigOrDie(cp.Config).CoordinationV1().Leases(framework.Namespace).
		Get(ctx, automigrate.LeaseName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	acquired := w.Log().Find(msgAcquired, nil)
	if len(acquired) == 0 || lease.Spec.HolderIdentity == nil {
		t.Fatalf("no holder: Lease %v, log lines %v", lease.Spec.HolderIdentity, acquired)
	}
	if got, want := *lease.Spec.HolderIdentity, fmt.Sprint(acquired[0]["identity"]); got != want {
		t.Errorf("Lease holder %q, want %q", got, want)
	}
}
