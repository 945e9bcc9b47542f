package migrate

import (
	"context"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// The log messages of migrate that tell which way it rewrites objects.
const (
	builtinCreated  = "built-in migration created"
	builtinGaveUp   = "built-in migration did not complete, migrating client-side"
	builtinUnserved = "built-in storage version migration not served, migrating client-side"
)

// unavailableError is what migrate --method builtin exits with where the
// cluster does not serve the migration API.
const unavailableError = "built-in storage version migration unavailable: the cluster does not serve " +
	framework.StorageMigrationAPI

// TestAutoFallsBackWithoutController runs --method auto on the bare test
// API server, which runs no controller manager. Where it serves
// StorageVersionMigrations, auto tries one, gives up after
// --builtin-timeout, migrates client-side, says so, and leaves no
// StorageVersionMigration behind. Where it does not (Kubernetes 1.34),
// auto creates none and migrates client-side at once, and says why.
func TestAutoFallsBackWithoutController(t *testing.T) {
	const n = 10
	c := upgraded(t, n)
	served := framework.ServesStorageMigration(t, cp.Config)

	run := mustMigrate(c.ctx, t, settleArg, "--builtin-timeout", "3s")
	if served {
		checkTriedBuiltinFirst(t, run)
	} else {
		checkWentClientSide(t, run)
	}
	if len(run.Find("CRD migrated", map[string]any{"crd": trafficSplits, "method": "client", "objects": n})) != 1 {
		t.Errorf("no line says %s was migrated client-side:\n%s", trafficSplits, run.Stderr)
	}
	checkAllStoredIn(t, c, newVersion, n)
	checkStoredVersions(t, c, newVersion)
	if served {
		checkNoMigrationsLeft(c.ctx, t)
	}
}

// checkTriedBuiltinFirst wants auto to have created a
// StorageVersionMigration for the TrafficSplits, then given it up.
func checkTriedBuiltinFirst(t *testing.T, run framework.Run) {
	t.Helper()
	if len(run.Find(builtinCreated, map[string]any{"crd": trafficSplits})) != 1 {
		t.Errorf("auto did not try the built-in migration first:\n%s", run.Stderr)
	}
	if len(run.Find(builtinGaveUp, map[string]any{"crd": trafficSplits})) != 1 {
		t.Errorf("no line says the migration fell back to client-side:\n%s", run.Stderr)
	}
}

// checkWentClientSide wants auto, on a cluster without the migration API,
// to have said once that it migrates client-side, and neither to have
// created a StorageVersionMigration nor waited for one.
func checkWentClientSide(t *testing.T, run framework.Run) {
	t.Helper()
	t.Logf("the cluster does not serve %s: auto must migrate client-side at once", framework.StorageMigrationAPI)
	if len(run.Find(builtinUnserved, nil)) != 1 {
		t.Errorf("no line says the built-in migration is not served:\n%s", run.Stderr)
	}
	checkNoBuiltinAttempt(t, run)
}

// checkNoBuiltinAttempt fails on any log line of a built-in migration
// created or given up.
func checkNoBuiltinAttempt(t *testing.T, run framework.Run) {
	t.Helper()
	for _, msg := range []string{builtinCreated, builtinGaveUp} {
		if lines := run.Find(msg, nil); len(lines) != 0 {
			t.Errorf("a cluster without %s, yet migrate logged %q: %v", framework.StorageMigrationAPI, msg, lines)
		}
	}
}

// TestBuiltinFailsWithoutController: --method builtin never falls back.
// Where the cluster serves StorageVersionMigrations, the one created makes
// no progress without a controller; where it does not, migrate fails
// before it writes anything.
func TestBuiltinFailsWithoutController(t *testing.T) {
	const n = 5
	c := upgraded(t, n)
	served := framework.ServesStorageMigration(t, cp.Config)
	before := framework.Writes(framework.MustListCRDs(c.ctx, t, cp.Config))

	run := migrate(c.ctx, t, "--method", "builtin", settleArg, "--builtin-timeout", "3s")
	if run.Code != 1 {
		t.Fatalf("exit code %d, want 1\n%s", run.Code, run.Stderr)
	}
	if served {
		if !strings.Contains(run.Stderr, "made no progress within 3s") {
			t.Errorf("the error does not say the built-in migration made no progress:\n%s", run.Stderr)
		}
	} else {
		checkRefusedUnserved(c.ctx, t, run, before)
	}
	checkAllStoredIn(t, c, oldVersion, n)
	checkStoredVersions(t, c, oldVersion, newVersion)
	if served {
		checkNoMigrationsLeft(c.ctx, t)
	}
}

// checkRefusedUnserved wants builtin, on a cluster without the migration
// API, to have said so, attempted no built-in migration and written no
// CRD (before is framework.Writes of the CRDs ahead of the run).
func checkRefusedUnserved(ctx context.Context, t *testing.T, run framework.Run, before map[string][2]any) {
	t.Helper()
	t.Logf("the cluster does not serve %s: builtin must fail and write nothing", framework.StorageMigrationAPI)
	if !strings.Contains(run.Stderr, unavailableError) {
		t.Errorf("the error does not say %q:\n%s", unavailableError, run.Stderr)
	}
	checkNoBuiltinAttempt(t, run)
	after := framework.Writes(framework.MustListCRDs(ctx, t, cp.Config))
	for name, was := range before {
		if now := after[name]; now != was {
			t.Errorf("CRD %s written by a refused migrate: resourceVersion and generation %v, before %v", name, now, was)
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d CRDs after a refused migrate, %d before", len(after), len(before))
	}
}

// checkNoMigrationsLeft: every StorageVersionMigration created was deleted.
func checkNoMigrationsLeft(ctx context.Context, t *testing.T) {
	t.Helper()
	list, err := kubernetes.NewForConfigOrDie(cp.Config).StoragemigrationV1().StorageVersionMigrations().
		List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, svm := range list.Items {
		names = append(names, svm.Name)
	}
	if len(names) > 0 {
		t.Errorf("StorageVersionMigrations left behind: %s", fmt.Sprint(names))
	}
}
