package migrate

import (
	"context"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestAutoFallsBackWithoutController runs --method auto on the bare test
// API server, which serves StorageVersionMigrations but runs no controller
// manager: after --builtin-timeout it migrates client-side, says so, and
// leaves no StorageVersionMigration behind.
func TestAutoFallsBackWithoutController(t *testing.T) {
	const n = 10
	c := upgraded(t, n)

	run := mustMigrate(c.ctx, t, settleArg, "--builtin-timeout", "3s")
	if len(run.Find("built-in migration created", map[string]any{"crd": trafficSplits})) != 1 {
		t.Errorf("auto did not try the built-in migration first:\n%s", run.Stderr)
	}
	if len(run.Find("built-in migration did not complete, migrating client-side", map[string]any{"crd": trafficSplits})) != 1 {
		t.Errorf("no line says the migration fell back to client-side:\n%s", run.Stderr)
	}
	if len(run.Find("CRD migrated", map[string]any{"crd": trafficSplits, "method": "client", "objects": n})) != 1 {
		t.Errorf("no line says %s was migrated client-side:\n%s", trafficSplits, run.Stderr)
	}
	checkAllStoredIn(t, c, newVersion, n)
	checkStoredVersions(t, c, newVersion)
	checkNoMigrationsLeft(c.ctx, t)
}

// TestBuiltinFailsWithoutController: --method builtin never falls back.
func TestBuiltinFailsWithoutController(t *testing.T) {
	const n = 5
	c := upgraded(t, n)

	run := migrate(c.ctx, t, "--method", "builtin", settleArg, "--builtin-timeout", "3s")
	if run.Code != 1 {
		t.Fatalf("exit code %d, want 1\n%s", run.Code, run.Stderr)
	}
	if !strings.Contains(run.Stderr, "made no progress within 3s") {
		t.Errorf("the error does not say the built-in migration made no progress:\n%s", run.Stderr)
	}
	checkAllStoredIn(t, c, oldVersion, n)
	checkStoredVersions(t, c, oldVersion, newVersion)
	checkNoMigrationsLeft(c.ctx, t)
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
