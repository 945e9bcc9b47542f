package migrate

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"

	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

const (
	// progressTimeout bounds the wait for a background migration to have
	// rewritten some objects.
	progressTimeout = 60 * time.Second
	// stopTimeout bounds a binary's exit after SIGTERM.
	stopTimeout = 20 * time.Second
)

// slowArgs make a client-side migration of a few thousand objects last a
// few seconds, for a test to act in the middle of it.
var slowArgs = []string{"--method", "client", settleArg, "--workers", "1", "--page-size", "20"}

// background is a migrate run the test acts alongside.
type background struct {
	cmd            *exec.Cmd
	stdout, stderr *bytes.Buffer
}

func startMigrate(ctx context.Context, t *testing.T, args ...string) *background {
	t.Helper()
	b := &background{}
	var err error
	b.cmd, b.stdout, b.stderr, err = framework.Command(ctx, cp.Kubeconfig,
		append([]string{"migrate", "--namespace", framework.Namespace}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *background) wait(t *testing.T) framework.Run {
	t.Helper()
	run, err := framework.Wait(b.cmd, b.stdout, b.stderr)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// stopProcess sends SIGTERM to a binary started with framework.Command and
// waits for it.
func stopProcess(t *testing.T, cmd *exec.Cmd, stdout, stderr *bytes.Buffer) framework.Run {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return framework.Run{}
	}
	done := make(chan framework.Run, 1)
	go func() {
		run, _ := framework.Wait(cmd, stdout, stderr)
		done <- run
	}()
	select {
	case run := <-done:
		return run
	case <-time.After(stopTimeout):
		_ = cmd.Process.Kill()
		t.Errorf("%s still running %s after SIGTERM", cmd.Path, stopTimeout)
		return <-done
	}
}

// waitRewritten waits until etcd holds at least min TrafficSplits in the
// new version, and fails when all of them are: the test would act too late.
func waitRewritten(t *testing.T, c *cluster, min, total int) {
	t.Helper()
	var counts map[string]int
	err := wait.PollUntilContextTimeout(c.ctx, pollInterval, progressTimeout, true, func(context.Context) (bool, error) {
		counts = countVersions(c.stored(t))
		return counts[splitGroup+"/"+newVersion] >= min, nil
	})
	if err != nil {
		t.Fatalf("the migration did not get going: etcd holds %v", describeCounts(counts))
	}
	if counts[splitGroup+"/"+newVersion] >= total {
		t.Fatalf("the migration was done before the test could act: etcd holds %v", describeCounts(counts))
	}
}

// TestInterruptedThenRerun sends SIGTERM in the middle of a migration: it
// exits 130 with storedVersions untouched; a second run converges.
func TestInterruptedThenRerun(t *testing.T) {
	const n = 2000
	c := upgraded(t, n)
	b := startMigrate(c.ctx, t, slowArgs...)
	waitRewritten(t, c, 50, n)

	run := stopProcess(t, b.cmd, b.stdout, b.stderr)
	if run.Code != 130 {
		t.Fatalf("exit code %d after SIGTERM, want 130\n%s", run.Code, run.Stderr)
	}
	counts := countVersions(c.stored(t))
	t.Logf("interrupted with etcd holding %v", describeCounts(counts))
	checkStoredVersions(t, c, oldVersion, newVersion)

	mustMigrate(c.ctx, t, "--method", "client", settleArg)
	checkAllStoredIn(t, c, newVersion, n)
	checkStoredVersions(t, c, newVersion)
}

// TestRollbackDuringMigration turns the storage version back to v1alpha2,
// as re-applying v1.1.3's CRD would, while a migration runs: storedVersions
// keeps both versions, the run fails saying why, and every object reads as
// before in every version.
func TestRollbackDuringMigration(t *testing.T) {
	const n = 2000
	c := upgraded(t, n)
	before := c.readAll(t)
	b := startMigrate(c.ctx, t, slowArgs...)
	waitRewritten(t, c, 50, n)

	c.rollBack(t)
	run := b.wait(t)
	if run.Code != 1 {
		t.Fatalf("exit code %d after a rollback during the run, want 1\n%s", run.Code, run.Stderr)
	}
	if !strings.Contains(run.Stderr, "stores v1alpha2 but the bundle stores v1alpha4") {
		t.Errorf("the error does not name the storage version change:\n%s", run.Stderr)
	}
	if lines := run.Find("storedVersions trimmed", nil); len(lines) > 0 {
		t.Errorf("storedVersions trimmed after a rollback: %v", lines)
	}
	checkStoredVersions(t, c, oldVersion, newVersion)
	stored := c.stored(t)
	t.Logf("after the rollback etcd holds %v", describeCounts(countVersions(stored)))
	if len(stored) != n {
		t.Errorf("etcd holds %d TrafficSplits, want %d", len(stored), n)
	}
	checkReadsUnchanged(t, before, c.readAll(t))
}

// rollBack makes v1alpha2 the storage version again.
func (c *cluster) rollBack(t *testing.T) {
	t.Helper()
	crd := c.crd(t)
	for i := range crd.Spec.Versions {
		crd.Spec.Versions[i].Storage = crd.Spec.Versions[i].Name == oldVersion
	}
	if _, err := crdClient().Update(c.ctx, crd, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("roll %s back to %s: %v", trafficSplits, oldVersion, err)
	}
}

// TestWritersDuringMigration creates and updates TrafficSplits, through the
// old version, while a migration runs: every object created is there, every
// update holds, and all are stored in the new version at the end.
func TestWritersDuringMigration(t *testing.T) {
	const n = 1500
	c := upgraded(t, n)
	b := startMigrate(c.ctx, t, slowArgs...)
	waitRewritten(t, c, 20, n)

	w := c.startWriter(t)
	run := b.wait(t)
	created, updated := w.stop(t)
	if run.Code != 0 {
		t.Fatalf("exit code %d, want 0\n%s", run.Code, run.Stderr)
	}
	t.Logf("the writer created %d and updated %d objects; migrate: %v", created, len(updated),
		run.Find("CRD migrated", nil))
	if created == 0 || len(updated) == 0 {
		t.Fatalf("the writer wrote nothing during the migration (created %d, updated %d)", created, len(updated))
	}

	checkAllStoredIn(t, c, newVersion, n+created)
	checkStoredVersions(t, c, newVersion)
	objs := c.readAll(t)[oldVersion]
	for key, want := range updated {
		if got := objs[key].GetLabels()[writerLabel]; got != want {
			t.Errorf("%s: label %s=%q, the writer set %q", key, writerLabel, got, want)
		}
	}
}

// writerLabel is the label the writer sets on the objects it updates.
const writerLabel = "migrate-test/written"

// writer creates and updates TrafficSplits until stopped.
type writer struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
	// created counts new objects; updated holds the last label value
	// written per object.
	created int
	updated map[string]string
}

func (c *cluster) startWriter(t *testing.T) *writer {
	ctx, cancel := context.WithCancel(c.ctx)
	w := &writer{cancel: cancel, done: make(chan struct{}), updated: map[string]string{}}
	template := readSplit(t, oldVersion)
	go func() {
		defer close(w.done)
		for i := 0; ctx.Err() == nil; i++ {
			if w.err = c.create(oldVersion, splitObject(template, "written", i)); w.err != nil {
				return
			}
			w.created++
			key := c.objects[(i*37)%len(c.objects)]
			if w.err = c.relabel(ctx, key, strconv.Itoa(i)); w.err != nil {
				return
			}
			w.updated[key] = strconv.Itoa(i)
		}
	}()
	return w
}

func (w *writer) stop(t *testing.T) (int, map[string]string) {
	t.Helper()
	w.cancel()
	<-w.done
	if w.err != nil && !strings.Contains(w.err.Error(), "context canceled") {
		t.Fatalf("writer: %v", w.err)
	}
	return w.created, w.updated
}

// relabel updates the object through the old version, setting the writer
// label to value. A conflict, migrate having rewritten the object between
// the get and the update, is what any client of optimistic concurrency
// meets: it reads the object again and retries, as controllers do.
func (c *cluster) relabel(ctx context.Context, key, value string) error {
	ns, name, _ := strings.Cut(key, "/")
	client := c.client.Resource(splitResource(oldVersion)).Namespace(ns)
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		obj, err := client.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("get %s: %w", key, err)
		}
		labels := obj.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		labels[writerLabel] = value
		obj.SetLabels(labels)
		_, err = client.Update(ctx, obj, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("update %s: %w", key, err)
	}
	return nil
}
