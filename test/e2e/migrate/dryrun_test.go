package migrate

import (
	"maps"
	"strings"
	"testing"
)

// TestDryRunWritesNothing lists what would be migrated, with the objects
// per namespace, and leaves every object, the CRD and etcd as they were.
func TestDryRunWritesNothing(t *testing.T) {
	const n = 23 // 4 of them, every fifth, in otherNamespace
	c := upgraded(t, n)
	before := resourceVersions(c.readAll(t)[newVersion])
	crdBefore := c.crd(t).ResourceVersion

	run := mustMigrate(c.ctx, t, "--dry-run", settleArg)
	for _, want := range []string{
		trafficSplits + "  v1alpha2,v1alpha4  v1alpha4  23",
		"namespace osm-system",
		"namespace " + otherNamespace,
	} {
		if !strings.Contains(run.Stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, run.Stdout)
		}
	}
	lines := run.Find("CRD would be migrated", map[string]any{"crd": trafficSplits, "objects": n})
	if len(lines) != 1 {
		t.Fatalf("no line says %s would be migrated with %d objects:\n%s", trafficSplits, n, run.Stderr)
	}
	if ns, _ := lines[0]["namespaces"].(map[string]any); len(ns) != 2 || ns[otherNamespace] != float64(4) {
		t.Errorf("namespaces %v, want osm-system 19 and %s 4", lines[0]["namespaces"], otherNamespace)
	}

	if now := resourceVersions(c.readAll(t)[newVersion]); !maps.Equal(now, before) {
		t.Errorf("a dry run rewrote objects")
	}
	if got := c.crd(t).ResourceVersion; got != crdBefore {
		t.Errorf("a dry run wrote the CRD: resourceVersion %s, was %s", got, crdBefore)
	}
	checkAllStoredIn(t, c, oldVersion, n)
	checkStoredVersions(t, c, oldVersion, newVersion)
}
