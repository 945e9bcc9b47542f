package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/flomesh-io/init-osm-bootstrap/test/controlplane"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

const (
	// migrateSmall and migrateLarge are the object counts the storage
	// migration issue sets its goals at.
	migrateSmall = 1000
	migrateLarge = 10000
	// settleInterval is passed to --settle-interval: it is there for the
	// other API servers of a cluster, and this one has none. The flag must
	// be positive.
	settleInterval = "1ms"
)

// migrateResult is one timed migration of a round.
type migrateResult struct {
	objects int
	sample
	// logged is the duration migrate logs for the CRD ("CRD migrated"):
	// the rewrite and the trim, without the start-up and the waits before.
	logged time.Duration
	// conversions counts the conversion reviews the webhook answered while
	// the method ran: the API server's round trips to it.
	conversions float64
	// storedAfter is the CRD's storedVersions once the method finished.
	storedAfter []string
}

// migrateWay migrates the n TrafficSplits of an upgraded cluster one way.
type migrateWay func(ctx context.Context, cp *controlplane.ControlPlane, bin string, n int) (migrateResult, error)

// benchMigrate times the by-hand migration (kubectl get | kubectl replace)
// against `migrate --method client` at migrateSmall objects, then the
// latter at migrateLarge, each from a freshly upgraded cluster, and prints
// the figures with the goals of the issue.
func benchMigrate(ctx context.Context, cp *controlplane.ControlPlane, bin string) error {
	byHand, err := migrateRound(ctx, cp, bin, migrateSmall, "kubectl", byKubectl)
	if err != nil {
		return fmt.Errorf("kubectl get | kubectl replace, %d objects: %w", migrateSmall, err)
	}
	small, err := migrateRound(ctx, cp, bin, migrateSmall, "migrate", byClient)
	if err != nil {
		return fmt.Errorf("migrate --method client, %d objects: %w", migrateSmall, err)
	}
	large, err := migrateRound(ctx, cp, bin, migrateLarge, "migrate", byClient)
	if err != nil {
		return fmt.Errorf("migrate --method client, %d objects: %w", migrateLarge, err)
	}
	reportMigrate(byHand, small, large)
	return nil
}

// migrateRound upgrades the cluster with n objects, migrates them one way
// and checks that every object was written again: else the comparison
// would flatter whichever way skipped objects.
func migrateRound(ctx context.Context, cp *controlplane.ControlPlane, bin string, n int, name string,
	way migrateWay) (migrateResult, error) {
	start := time.Now()
	u, err := upgrade(ctx, cp, bin, n)
	if err != nil {
		return migrateResult{}, fmt.Errorf("upgrade: %w", err)
	}
	fmt.Fprintf(os.Stderr, "bench: %d objects stored in %s and the bundle applied in %s; migrating with %s\n",
		n, oldVersion, time.Since(start).Round(time.Millisecond), name)

	r, err := timeConversions(ctx, u.webhook, func() (migrateResult, error) { return way(ctx, cp, bin, n) })
	if err == nil {
		err = checkRound(ctx, cp, u, &r, n)
	}
	return r, errors.Join(err, u.webhook.stop())
}

// timeConversions runs fn and records in its result how many conversion
// reviews of the TrafficSplit CRD the webhook answered meanwhile.
func timeConversions(ctx context.Context, w *webhookProcess, fn func() (migrateResult, error)) (migrateResult, error) {
	before, err := w.conversions(ctx, trafficSplits)
	if err != nil {
		return migrateResult{}, err
	}
	r, err := fn()
	if err != nil {
		return r, err
	}
	after, err := w.conversions(ctx, trafficSplits)
	r.conversions = after - before
	return r, err
}

// checkRound checks every object was rewritten and records storedVersions.
func checkRound(ctx context.Context, cp *controlplane.ControlPlane, u *upgraded, r *migrateResult, n int) error {
	after, err := resourceVersions(ctx, cp.Config, newVersion)
	if err != nil {
		return err
	}
	if err := checkRewritten(u.before, after, n); err != nil {
		return err
	}
	r.storedAfter, err = storedVersions(ctx, cp)
	return err
}

// byClient runs `migrate --method client` on the TrafficSplit CRD alone
// (the other CRDs of the release hold no objects), with the default page
// size and workers, and checks its log says it rewrote n objects.
func byClient(ctx context.Context, cp *controlplane.ControlPlane, bin string, n int) (migrateResult, error) {
	argv := []string{bin, "migrate", trafficSplits, "--method", "client", "--settle-interval", settleInterval,
		"--kubeconfig", cp.Kubeconfig, "--namespace", benchNamespace, "--log-format", "json"}
	s, out, err := timedOutput(ctx, argv)
	if err != nil {
		return migrateResult{}, err
	}
	lines := framework.Run{Stderr: out}.Find("CRD migrated", map[string]any{"crd": trafficSplits, "method": "client"})
	if len(lines) != 1 {
		return migrateResult{}, fmt.Errorf("no line says %s was migrated client-side:\n%s", trafficSplits, out)
	}
	if got := fmt.Sprint(lines[0]["objects"]); got != fmt.Sprint(n) {
		return migrateResult{}, fmt.Errorf("migrate rewrote %s objects, want %d", got, n)
	}
	logged, err := time.ParseDuration(fmt.Sprint(lines[0]["duration"]))
	if err != nil {
		return migrateResult{}, fmt.Errorf("duration of the line %v: %w", lines[0], err)
	}
	return migrateResult{objects: n, sample: s, logged: logged}, nil
}

// byKubectl is the by-hand way: read every object and write it back
// unchanged, one PUT per object.
func byKubectl(ctx context.Context, cp *controlplane.ControlPlane, _ string, n int) (migrateResult, error) {
	kubectl := filepath.Join(cp.Assets, "kubectl")
	get := []string{kubectl, "--kubeconfig", cp.Kubeconfig, "get", trafficSplits, "-A", "-o", "json"}
	replace := []string{kubectl, "--kubeconfig", cp.Kubeconfig, "replace", "-f", "-"}
	s, err := timedPipe(ctx, get, replace)
	if err != nil {
		return migrateResult{}, err
	}
	return migrateResult{objects: n, sample: s}, nil
}
