package migrate

import (
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// The kube-controller-manager controllers the built-in migration needs: the
// migrator, and the garbage collector, whose object graph it reads the
// objects to rewrite from (without it the migrator does not start).
var migrationControllers = []string{"storage-version-migrator-controller", "garbage-collector-controller"}

// TestBuiltinMigration starts kube-controller-manager with the storage
// version migrator and runs --method builtin: the StorageVersionMigration
// rewrites every object and the controller, not migrate, trims
// storedVersions. A cluster that does not serve the migration API cannot
// run it: TestBuiltinFailsWithoutController checks migrate's error there.
func TestBuiltinMigration(t *testing.T) {
	if !framework.ServesStorageMigration(t, cp.Config) {
		t.Skipf("the cluster does not serve %s: no built-in migration to run", framework.StorageMigrationAPI)
	}
	const n = 40
	c := upgraded(t, n)
	before := c.readAll(t)
	cm, err := cp.StartControllerManager(migrationControllers...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cm.Stop(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			t.Logf("kube-controller-manager output:\n%s", cm.Output())
		}
	})

	run := mustMigrate(c.ctx, t, "--method", "builtin", settleArg, "--builtin-timeout", "90s")
	if len(run.Find("CRD migrated", map[string]any{"crd": trafficSplits, "method": "builtin"})) != 1 {
		t.Errorf("no line says %s was migrated by the built-in migration:\n%s", trafficSplits, run.Stderr)
	}
	if lines := run.Find("storedVersions trimmed", nil); len(lines) != 0 {
		t.Errorf("migrate trimmed storedVersions itself; the built-in controller should have: %v", lines)
	}
	if cond := storageMigrating(c.crd(t)); cond == nil || cond.Reason != "MigrationSucceeded" {
		t.Errorf("CRD condition StorageMigrating %+v, want reason MigrationSucceeded from the controller", cond)
	}

	checkAllStoredIn(t, c, newVersion, n)
	checkReadsUnchanged(t, before, c.readAll(t))
	checkStoredVersions(t, c, newVersion)
	checkNoMigrationsLeft(c.ctx, t)
}

func storageMigrating(crd *apiextensionsv1.CustomResourceDefinition) *apiextensionsv1.CustomResourceDefinitionCondition {
	for i := range crd.Status.Conditions {
		if crd.Status.Conditions[i].Type == apiextensionsv1.StorageMigrating {
			return &crd.Status.Conditions[i]
		}
	}
	return nil
}
