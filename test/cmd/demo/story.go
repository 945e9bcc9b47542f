package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
)

// namespace is the control plane namespace of the demo, and that of its
// custom resources.
const namespace = "osm-system"

// webhookURL is where apply points the CRDs: the demo's webhook listens on
// the loopback, which the local API server reaches directly.
func (d *demo) webhookURL() string { return "https://127.0.0.1:" + d.webhookPort }

// written are the custom resources users wrote in osm-edge v1.1.3's time,
// each in the version they used; the files are test data of the project.
// The MeshConfig is the one a v1.1.3 install held: the shared test object
// has fields that release's schema lacks.
var written = []object{
	{crd: "meshconfigs.config.openservicemesh.io", version: "v1alpha2",
		source: "upgrade/osm-edge-v1.1.3/meshconfigs.config.openservicemesh.io.yaml"},
	{crd: "trafficsplits.split.smi-spec.io", version: "v1alpha2"},
	{crd: "httproutegroups.specs.smi-spec.io", version: "v1alpha4"},
	{crd: "traffictargets.access.smi-spec.io", version: "v1alpha3"},
}

// lateTarget is an SMI v1alpha1 TrafficTarget, with its fields at the top
// level, written by a user after the upgrade from an old manifest.
var lateTarget = object{crd: "traffictargets.access.smi-spec.io", version: "v1alpha1"}

func (d *demo) run(ctx context.Context) error {
	steps := []struct {
		title string
		do    func(context.Context) error
	}{
		{"the binary and the bundle it carries", d.showVersion},
		{"osm-edge v1.1.3 installs its CRDs with client-side kubectl apply", d.installOldRelease},
		{"users write custom resources in the versions of that time", d.writeOldObjects},
		{"start the conversion webhook (it waits for its certificate, which apply creates)", d.startWebhook},
		{"init-osm-bootstrap plan: what apply would change (exit code 2 means: look at this)", d.plan},
		{"init-osm-bootstrap apply: server-side apply of the bundle, conversion through the webhook", d.apply},
		{"every object reads back in every served version, and converts back to what was written", d.readAllVersions},
		{"an SMI v1alpha1 TrafficTarget from an old manifest, created and read as v1alpha3", d.writeLateTarget},
		{"init-osm-bootstrap migrate --method client: objects move to the storage versions, storedVersions trimmed", d.migrate},
		{"after the migration every object still reads as it was written", d.readAllVersions},
	}
	for i, s := range steps {
		fmt.Printf("\n%s== %d/%d %s%s\n", bold, i+1, len(steps), s.title, reset)
		if err := s.do(ctx); err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, s.title, err)
		}
	}
	return nil
}

func (d *demo) showVersion(ctx context.Context) error {
	_, err := d.command(ctx, 0, d.bin, "version")
	return err
}

func (d *demo) installOldRelease(ctx context.Context) error {
	dir := filepath.Join(d.root, "test", "testdata", "previous-releases", "osm-edge-v1.1.3")
	if _, err := d.kubectl(ctx, "create", "namespace", namespace); err != nil {
		return err
	}
	if _, err := d.kubectl(ctx, "apply", "-f", dir); err != nil {
		return err
	}
	if _, err := d.kubectl(ctx, "wait", "--for", "condition=Established", "--timeout=60s", "-f", dir); err != nil {
		return err
	}
	return d.showCRDs(ctx)
}

func (d *demo) writeOldObjects(ctx context.Context) error {
	for i := range written {
		o := &written[i]
		if err := d.create(ctx, o); err != nil {
			return err
		}
		if err := d.snapshot(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

// plan shows the table of the plan, the facts marked for attention and the
// summary; the per-field diff it prints too is left out here.
func (d *demo) plan(ctx context.Context) error {
	args := []string{"plan", "--namespace", namespace, "--webhook-url", d.webhookURL(), "--log-level", "warn",
		"--log-format", "console"}
	_, err := d.commandShowing(ctx, planHighlights, 2, d.bin, args...)
	return err
}

// planHighlights keeps the table (up to the first blank line), the lines
// marked "!" and the last lines.
func planHighlights(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	var kept []string
	inTable := true
	for i, l := range lines {
		switch {
		case inTable && strings.TrimSpace(l) == "":
			inTable = false
			kept = append(kept, "  (per-CRD diffs left out; see `plan` without the demo)")
		case inTable, strings.HasPrefix(strings.TrimSpace(l), "!"), i >= len(lines)-2:
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n") + "\n"
}

func (d *demo) apply(ctx context.Context) error {
	if _, err := d.runBinary(ctx, 0, "apply", "--namespace", namespace, "--webhook-url", d.webhookURL()); err != nil {
		return err
	}
	if err := d.showCRDs(ctx); err != nil {
		return err
	}
	if err := d.checkOneManager(ctx); err != nil {
		return err
	}
	return d.waitWebhookReady(ctx)
}

func (d *demo) readAllVersions(ctx context.Context) error {
	for i := range written {
		if err := d.checkEveryVersion(ctx, &written[i]); err != nil {
			return err
		}
	}
	if lateTarget.want != nil {
		return d.checkEveryVersion(ctx, &lateTarget)
	}
	return nil
}

func (d *demo) writeLateTarget(ctx context.Context) error {
	if err := d.create(ctx, &lateTarget); err != nil {
		return err
	}
	if err := d.snapshot(ctx, &lateTarget); err != nil {
		return err
	}
	return d.checkMovedUnderSpec(ctx, &lateTarget, "v1alpha3")
}

func (d *demo) migrate(ctx context.Context) error {
	// The throwaway control plane runs no controller manager, so the
	// built-in StorageVersionMigration would make no progress; the default
	// method would find that out after its bound and fall back to this one.
	if _, err := d.runBinary(ctx, 0, "migrate", "--namespace", namespace, "--method", "client"); err != nil {
		return err
	}
	if err := d.showCRDs(ctx); err != nil {
		return err
	}
	return d.checkStoredVersionsTrimmed(ctx)
}
