package certs

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

const (
	// trafficPause is the pause between two requests of one client loop.
	trafficPause = 20 * time.Millisecond
	// requestTimeout bounds one read or write of the loops.
	requestTimeout = 10 * time.Second
	// trafficWindow is how long the loops run between two checks that they
	// make progress.
	trafficWindow = 2 * time.Second
	// keptErrors is how many failures the traffic keeps for the report.
	keptErrors = 5
)

// meshConfigs is MeshConfig in v1alpha1, which is not its storage version
// (v1alpha2): every read and write through it calls the webhook.
var meshConfigs = schema.GroupVersionResource{
	Group: "config.openservicemesh.io", Version: "v1alpha1", Resource: "meshconfigs",
}

// traffic is a reader and a writer that keep going through the webhook
// until stopped, counting what succeeded and what failed.
type traffic struct {
	client    dynamic.ResourceInterface
	name      string
	reads     atomic.Int64
	writes    atomic.Int64
	mu        sync.Mutex
	failures  int
	firstErrs []string
	cancel    context.CancelFunc
	done      sync.WaitGroup
}

// startTraffic creates the test MeshConfig through v1alpha1 and starts the
// loops; the test's cleanup stops them.
func startTraffic(ctx context.Context, t *testing.T) *traffic {
	t.Helper()
	obj := framework.TestObject(t, "meshconfigs.config.openservicemesh.io", "v1alpha1.yaml")
	// Every request through v1alpha1 warns that it is deprecated.
	client := framework.QuietClient(cp.Config).Resource(meshConfigs).Namespace(obj.GetNamespace())
	if _, err := client.Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create MeshConfig as v1alpha1: %v", err)
	}

	loopCtx, cancel := context.WithCancel(ctx)
	tr := &traffic{client: client, name: obj.GetName(), cancel: cancel}
	tr.done.Add(2)
	go tr.loop(loopCtx, tr.read)
	go tr.loop(loopCtx, tr.write)
	t.Cleanup(tr.stop)
	return tr
}

// loop runs op until ctx ends, counting its failures.
func (tr *traffic) loop(ctx context.Context, op func(ctx context.Context) error) {
	defer tr.done.Done()
	for ctx.Err() == nil {
		reqCtx, cancel := context.WithTimeout(ctx, requestTimeout)
		err := op(reqCtx)
		cancel()
		if err != nil && ctx.Err() == nil {
			tr.fail(err)
		}
		time.Sleep(trafficPause)
	}
}

func (tr *traffic) fail(err error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.failures++
	if len(tr.firstErrs) < keptErrors {
		tr.firstErrs = append(tr.firstErrs, time.Now().Format(time.TimeOnly)+" "+err.Error())
	}
}

// read gets the object and lists its kind, both as v1alpha1.
func (tr *traffic) read(ctx context.Context) error {
	if _, err := tr.client.Get(ctx, tr.name, metav1.GetOptions{}); err != nil {
		return err
	}
	if _, err := tr.client.List(ctx, metav1.ListOptions{}); err != nil {
		return err
	}
	tr.reads.Add(1)
	return nil
}

// write reads the object as v1alpha1 and writes it back with a new label.
func (tr *traffic) write(ctx context.Context) error {
	obj, err := tr.client.Get(ctx, tr.name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	labels := obj.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels["certs-test/write"] = strconv.FormatInt(tr.writes.Load()+1, 10)
	obj.SetLabels(labels)
	if _, err := tr.client.Update(ctx, obj, metav1.UpdateOptions{}); err != nil {
		return err
	}
	tr.writes.Add(1)
	return nil
}

// stop ends the loops and waits for them.
func (tr *traffic) stop() {
	tr.cancel()
	tr.done.Wait()
}

// progress lets the loops run for trafficWindow, fails the test unless
// both succeeded since the counts before, and returns the counts now.
func (tr *traffic) progress(t *testing.T, what string, before [2]int64) [2]int64 {
	t.Helper()
	time.Sleep(trafficWindow)
	now := [2]int64{tr.reads.Load(), tr.writes.Load()}
	if now[0] <= before[0] || now[1] <= before[1] {
		t.Errorf("%s: reads %d -> %d, writes %d -> %d: the loops made no progress",
			what, before[0], now[0], before[1], now[1])
	}
	return now
}

// expectNoFailures stops the loops and fails the test if any read or write
// failed.
func (tr *traffic) expectNoFailures(t *testing.T) {
	t.Helper()
	tr.stop()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	t.Logf("traffic through v1alpha1: %d reads, %d writes, %d failures", tr.reads.Load(), tr.writes.Load(), tr.failures)
	if tr.failures > 0 {
		t.Errorf("%d failed reads or writes through the webhook; first ones:\n%v", tr.failures, tr.firstErrs)
	}
	if tr.reads.Load() == 0 || tr.writes.Load() == 0 {
		t.Errorf("no traffic: %d reads, %d writes", tr.reads.Load(), tr.writes.Load())
	}
}
