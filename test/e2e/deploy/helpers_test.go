package deploy

import (
	"context"
	"os/exec"
	"regexp"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/automigrate"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/certs"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

const (
	// leaseTimeout bounds the wait for the webhook to take the Lease: it
	// tries at once, then every automigrate.DefaultRetryPeriod.
	leaseTimeout = 2 * automigrate.DefaultLeaseDuration
	// builtinTimeout is migrate's --builtin-timeout: the test control plane
	// runs no storage version migration controller, so a short wait is
	// enough to see that it makes no progress.
	builtinTimeout = "2s"
	// settleInterval is migrate's --settle-interval: one API server, no
	// other to wait for.
	settleInterval = "1s"
	// builtinUnserved is migrate's log message where the cluster does not
	// serve the built-in migration.
	builtinUnserved = "built-in storage version migration not served, migrating client-side"
)

// The API groups of the rules a skipped run would have used.
const (
	migrateGroup = "storagemigration.k8s.io"
	leaseGroup   = "coordination.k8s.io"
)

// installHistory installs osm-edge v1.1.3 with kubectl apply, stores a
// TrafficSplit in v1alpha2, its storage version then, and upgrades to
// osm-edge v1.3.9 as its bootstrap did: every bundled CRD exists, some
// with legacy field managers, and TrafficSplits have two stored versions.
func installHistory(ctx context.Context, t *testing.T) {
	t.Helper()
	old := framework.PreviousRelease("osm-edge-v1.1.3")
	if _, err := cp.Kubectl(ctx, "apply", "-f", old); err != nil {
		t.Fatal(err)
	}
	waitEstablished(ctx, t, old)
	storeTrafficSplit(ctx, t)

	newer := framework.PreviousRelease("osm-edge-v1.3.9")
	list, err := framework.ReadCRDs(newer)
	if err != nil {
		t.Fatal(err)
	}
	if err := framework.InstallLikeBootstrap(ctx, cp.Config, "osm-bootstrap/v1.3.9", list); err != nil {
		t.Fatal(err)
	}
	waitEstablished(ctx, t, newer)
}

func waitEstablished(ctx context.Context, t *testing.T, dir string) {
	t.Helper()
	list, err := framework.ReadCRDs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := framework.WaitEstablished(ctx, cp.Config, framework.CRDNames(list)); err != nil {
		t.Fatalf("CRDs of %s not established: %v", dir, err)
	}
}

func storeTrafficSplit(ctx context.Context, t *testing.T) {
	t.Helper()
	obj := framework.TestObject(t, trafficSplits, "v1alpha2.yaml")
	gvr := framework.Resource(trafficSplits, "v1alpha2")
	client := dynamic.NewForConfigOrDie(cp.Config).Resource(gvr).Namespace(obj.GetNamespace())
	if _, err := client.Create(ctx, obj, createOpts); err != nil {
		t.Fatalf("store %s: %v", obj.GetName(), err)
	}
}

// webhookSecret reads the self-managed TLS Secret; nil when it does not
// exist.
func webhookSecret(ctx context.Context, t *testing.T) *corev1.Secret {
	t.Helper()
	secret, err := kubernetes.NewForConfigOrDie(cp.Config).CoreV1().Secrets(namespace).Get(ctx, certs.SecretName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// deleteLease deletes the migration Lease, if any.
func deleteLease(ctx context.Context, t *testing.T) {
	t.Helper()
	leases := kubernetes.NewForConfigOrDie(cp.Config).CoordinationV1().Leases(namespace)
	if err := leases.Delete(ctx, automigrate.LeaseName, deleteOpts); err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
}

// waitLeaseHeld waits until the migration Lease names a holder.
func waitLeaseHeld(ctx context.Context, t *testing.T) {
	t.Helper()
	leases := kubernetes.NewForConfigOrDie(cp.Config).CoordinationV1().Leases(namespace)
	err := wait.PollUntilContextTimeout(ctx, pollInterval, leaseTimeout, true, func(ctx context.Context) (bool, error) {
		lease, err := leases.Get(ctx, automigrate.LeaseName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil && lease.Spec.HolderIdentity != nil && *lease.Spec.HolderIdentity != "", err
	})
	if err != nil {
		t.Fatalf("the webhook did not take the Lease %s: %v", automigrate.LeaseName, err)
	}
}

// hasCommand reports whether the binary lists command in its help.
func hasCommand(ctx context.Context, t *testing.T, command string) bool {
	t.Helper()
	bin, err := framework.Binary()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(ctx, bin, "--help").Output()
	if err != nil {
		t.Fatalf("--help: %v", err)
	}
	return regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(command) + `\s`).Match(out)
}
