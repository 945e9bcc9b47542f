package main

import (
	"fmt"
	"time"
)

// The goals of the storage migration issue.
const (
	// speedupGoal: the client-side migration of migrateSmall objects at
	// least this many times faster than kubectl get | kubectl replace.
	speedupGoal = 10.0
	// memoryGrowthGoal: migrate's peak memory at migrateLarge objects at
	// most this multiple of its peak at migrateSmall.
	memoryGrowthGoal = 1.10
)

// reportMigrate prints the migration rounds, the ratios and whether each
// goal is met; it sets no exit code, being a benchmark.
func reportMigrate(byHand, small, large migrateResult) {
	fmt.Printf("\nmigrate: %s stored in %s, storage version %s after apply, conversion webhook running\n",
		trafficSplits, oldVersion, newVersion)
	fmt.Printf("%-8s %-52s %10s %10s %12s\n", "objects", "command", "wall", "objects/s", "peak RSS")
	migrateRow(byHand, "kubectl get -A -o json | kubectl replace -f -")
	migrateRow(small, "init-osm-bootstrap migrate --method client")
	migrateRow(large, "init-osm-bootstrap migrate --method client")

	speedup := float64(byHand.wall) / float64(small.wall)
	fmt.Printf("speed-up at %d objects: kubectl's wall time / migrate's = %.1fx (goal >= %.0fx): %s\n",
		migrateSmall, speedup, speedupGoal, verdict(speedup >= speedupGoal))
	growth := float64(large.maxRSSK) / float64(small.maxRSSK)
	fmt.Printf("peak RSS of migrate at %d / at %d objects = %.2f (goal <= %.2f): %s\n",
		migrateLarge, migrateSmall, growth, memoryGrowthGoal, verdict(growth <= memoryGrowthGoal))
	fmt.Printf("migrate's own \"CRD migrated\" duration (rewrite and trim only): %d in %s (%.0f/s), %d in %s (%.0f/s)\n",
		small.objects, small.logged.Round(time.Millisecond), rate(small.objects, small.logged),
		large.objects, large.logged.Round(time.Millisecond), rate(large.objects, large.logged))
	fmt.Printf("conversion reviews the webhook answered per object: kubectl %.1f, migrate %.1f and %.1f\n",
		perObject(byHand), perObject(small), perObject(large))
	fmt.Printf("wall: the whole process, nothing subtracted: for migrate its start, the server check, waiting for the CRD\n"+
		"to serve %s, --settle-interval %s, the paged list, one patch per object (default --page-size and --workers)\n"+
		"and the storedVersions trim; for kubectl from the start of get to the exit of replace (one PUT per object);\n"+
		"peak RSS of kubectl is the larger of the two processes'\n", newVersion, settleInterval)
	fmt.Printf("storedVersions after: kubectl %s (replace does not trim it), migrate %s and %s;\n"+
		"every object's resourceVersion changed in all three rounds\n",
		describe(byHand.storedAfter), describe(small.storedAfter), describe(large.storedAfter))
}

func migrateRow(r migrateResult, command string) {
	fmt.Printf("%-8d %-52s %10s %10.0f %8.1f MiB\n", r.objects, command, r.wall.Round(time.Millisecond),
		rate(r.objects, r.wall), float64(r.maxRSSK)/1024)
}

// rate is objects per second over d.
func rate(objects int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(objects) / d.Seconds()
}

// perObject is r's conversion reviews per object.
func perObject(r migrateResult) float64 { return r.conversions / float64(r.objects) }

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "NOT met"
}
