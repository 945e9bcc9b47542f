package upgrade

import "testing"

// TestUpgradeFromPreviousReleases installs the CRDs of the real earlier
// releases the way each did, stores custom resources, and runs apply: first
// as a dry run, which writes nothing and reports what would change; then for
// real, after which every CRD is the bundle's, owned by our manager alone,
// every custom resource is unchanged and a CRD the bundle does not carry is
// untouched; then again, which writes nothing.
func TestUpgradeFromPreviousReleases(t *testing.T) {
	for _, h := range histories {
		t.Run(h.name, func(t *testing.T) {
			ctx := setup(t)
			b := bundle(t)
			ref := reference(ctx, t, b)

			objects := installHistory(ctx, t, h)
			before := liveCRDs(ctx, t)
			checkHistory(t, h, before)

			checkDryRun(ctx, t, b, before)
			if t.Failed() {
				t.FailNow()
			}

			run := apply(ctx, t)
			checkUpgraded(ctx, t, run, b, before, ref)
			checkObjectsUnchanged(ctx, t, b, objects)

			checkSecondRunWritesNothing(ctx, t, b)
		})
	}
}
