package migrate

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apiextensionsclientv1 "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset/typed/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

const (
	// testTimeout bounds each test.
	testTimeout = 4 * time.Minute
	// pollInterval is how often a test looks again at what it waits for.
	pollInterval = 100 * time.Millisecond
	// createWorkers is how many objects a test creates at once.
	createWorkers = 8
	// deleteTimeout bounds the wait for a deleted CRD to be gone.
	deleteTimeout = 10 * time.Second
	// settleArg shortens the settle interval: one API server needs none.
	settleArg = "--settle-interval=1s"
)

const (
	trafficSplits = "trafficsplits.split.smi-spec.io"
	splitGroup    = "split.smi-spec.io"
	splitPlural   = "trafficsplits"
	oldVersion    = "v1alpha2"
	newVersion    = "v1alpha4"
	// otherNamespace holds every fifth object, for the counts per
	// namespace.
	otherNamespace = "migrate-other"
)

// servedVersions are the TrafficSplit versions the bundle serves.
var servedVersions = []string{"v1alpha2", "v1alpha3", "v1alpha4"}

// cluster is an upgraded test cluster: v1.1.3's CRDs with TrafficSplits
// stored in v1alpha2, then the bundle applied, its conversion webhook
// running.
type cluster struct {
	ctx     context.Context
	client  dynamic.Interface
	port    int
	objects []string // namespace/name of the TrafficSplits created
}

// upgraded builds a cluster with n TrafficSplits stored in v1alpha2.
func upgraded(t *testing.T, n int) *cluster {
	t.Helper()
	ctx := framework.Reset(t, cp.Config, testTimeout)
	c := &cluster{ctx: ctx, client: fastClient(), port: framework.FreePort(t)}
	framework.EnsureNamespace(ctx, t, cp.Config, otherNamespace)

	dir := framework.PreviousRelease("osm-edge-v1.1.3")
	if _, err := cp.Kubectl(ctx, "apply", "-f", dir); err != nil {
		t.Fatal(err)
	}
	old, err := framework.ReadCRDs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := framework.WaitEstablished(ctx, cp.Config, framework.CRDNames(old)); err != nil {
		t.Fatal(err)
	}
	c.objects = c.createSplits(t, oldVersion, "split", n)

	c.apply(t)
	framework.StartWebhook(ctx, t, cp.Kubeconfig, c.port, "--auto-migrate=false", "--log-level", "info")
	if got := c.crd(t).Status.StoredVersions; strings.Join(got, ",") != oldVersion+","+newVersion {
		t.Fatalf("after the upgrade %s stores %v, want [%s %s]", trafficSplits, got, oldVersion, newVersion)
	}
	if counts := countVersions(c.stored(t)); counts[splitGroup+"/"+oldVersion] != n {
		t.Fatalf("etcd holds %v, want %d objects in %s", describeCounts(counts), n, oldVersion)
	}
	return c
}

// apply runs the binary's apply, pointing the CRDs at the test's webhook.
func (c *cluster) apply(t *testing.T) {
	t.Helper()
	framework.MustExec(c.ctx, t, cp.Kubeconfig, 0, framework.ApplyArgs(framework.Namespace, c.port)...)
}

// fastClient reaches custom resources without client-go's rate limit and
// without deprecation warnings.
func fastClient() dynamic.Interface {
	cfg := rest.CopyConfig(cp.Config)
	cfg.QPS, cfg.Burst = -1, 0
	cfg.WarningHandler = rest.NoWarnings{}
	cfg.WarningHandlerWithContext = rest.NoWarnings{}
	return dynamic.NewForConfigOrDie(cfg)
}

func splitResource(version string) schema.GroupVersionResource {
	return framework.Resource(trafficSplits, version)
}

// readSplit reads the test TrafficSplit of version.
func readSplit(t *testing.T, version string) *unstructured.Unstructured {
	t.Helper()
	return framework.TestObject(t, trafficSplits, version+".yaml")
}

// splitObject is a copy of template named prefix-i, with weights of its
// own; every fifth lives in otherNamespace.
func splitObject(template *unstructured.Unstructured, prefix string, i int) *unstructured.Unstructured {
	obj := template.DeepCopy()
	obj.SetName(fmt.Sprintf("%s-%05d", prefix, i))
	if i%5 == 4 {
		obj.SetNamespace(otherNamespace)
	}
	backends, _, _ := unstructured.NestedSlice(obj.Object, "spec", "backends")
	if len(backends) > 0 {
		backends[0].(map[string]any)["weight"] = int64(i % 100)
		_ = unstructured.SetNestedSlice(obj.Object, backends, "spec", "backends")
	}
	return obj
}

// createSplits creates n TrafficSplits in version, createWorkers at once,
// and returns their namespace/name.
func (c *cluster) createSplits(t *testing.T, version, prefix string, n int) []string {
	t.Helper()
	template := readSplit(t, version)
	names := make([]string, n)
	errs := make(chan error, n)
	work := make(chan int)
	var wg sync.WaitGroup
	for range createWorkers {
		wg.Go(func() {
			for i := range work {
				obj := splitObject(template, prefix, i)
				names[i] = obj.GetNamespace() + "/" + obj.GetName()
				errs <- c.create(version, obj)
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return names
}

// create creates obj in version, once the API server serves it.
func (c *cluster) create(version string, obj *unstructured.Unstructured) error {
	return framework.CreateWhenServed(c.ctx, c.client.Resource(splitResource(version)), obj)
}

// crd reads the TrafficSplit CRD.
func (c *cluster) crd(t *testing.T) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	return framework.MustGetCRD(c.ctx, t, cp.Config, trafficSplits)
}

// stored is the apiVersion etcd holds for each TrafficSplit.
func (c *cluster) stored(t *testing.T) map[string]string {
	t.Helper()
	return storedAPIVersions(c.ctx, t, splitGroup, splitPlural)
}

// readAll lists every TrafficSplit in every served version, keyed by
// version, then namespace/name.
func (c *cluster) readAll(t *testing.T) map[string]map[string]*unstructured.Unstructured {
	t.Helper()
	out := map[string]map[string]*unstructured.Unstructured{}
	for _, v := range servedVersions {
		list, err := c.client.Resource(splitResource(v)).List(c.ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatalf("list %s: %v", v, err)
		}
		out[v] = map[string]*unstructured.Unstructured{}
		for i := range list.Items {
			obj := &list.Items[i]
			out[v][obj.GetNamespace()+"/"+obj.GetName()] = obj
		}
	}
	return out
}

// migrate runs the binary's migrate with args.
func migrate(ctx context.Context, t *testing.T, args ...string) framework.Run {
	t.Helper()
	run, err := framework.Exec(ctx, cp.Kubeconfig, append([]string{"migrate", "--namespace", framework.Namespace}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// mustMigrate runs migrate and fails the test unless it exits 0.
func mustMigrate(ctx context.Context, t *testing.T, args ...string) framework.Run {
	t.Helper()
	run := migrate(ctx, t, args...)
	if run.Code != 0 {
		t.Fatalf("migrate %v: exit code %d, want 0\n%s", args, run.Code, run.Stderr)
	}
	return run
}

func crdClient() apiextensionsclientv1.CustomResourceDefinitionInterface {
	return apiextensionsclient.NewForConfigOrDie(cp.Config).ApiextensionsV1().CustomResourceDefinitions()
}
