package plan

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"

	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

const (
	trafficSplits = "trafficsplits.split.smi-spec.io"
	meshConfigs   = "meshconfigs.config.openservicemesh.io"
	// stashAnnotation is where the converters keep what a version cannot
	// hold; a value that is not their JSON document does not convert.
	stashAnnotation = "conversion.openservicemesh.io/preserved"
)

// TestObjectThatDoesNotConvert installs the bundle's TrafficTarget CRD
// without a webhook (strategy None, as a manifest applied by hand leaves
// it): the upgrade makes v1alpha1 and v1alpha2 go through the webhook, so
// plan converts the stored objects to both in-process. A valid object
// converts and needs no attention; one whose stash annotation the
// converters cannot read is named per version, with the reason, and plan
// exits 2. Plan writes nothing.
func TestObjectThatDoesNotConvert(t *testing.T) {
	ctx := setup(t)
	live := bundle(t).Get(trafficTargets)
	install(ctx, t, live)
	storeFile(ctx, t, live, framework.TestObject(t, trafficTargets, "v1alpha3.yaml"))

	plan, _ := runPlan(ctx, t, 0)
	o := crdPlan(t, plan, trafficTargets).Objects
	if o == nil || o.Error != "" || o.Version != "v1alpha3" || o.Checked != 1 || len(o.Invalid) != 0 {
		t.Fatalf("objects check %+v, want 1 checked in v1alpha3 and nothing invalid", o)
	}
	if want := []string{"v1alpha1", "v1alpha2"}; !reflect.DeepEqual(o.Converted, want) {
		t.Errorf("converted to %v, want %v", o.Converted, want)
	}

	bad := framework.TestObject(t, trafficTargets, "v1alpha3.yaml")
	bad.SetName("bad-stash")
	bad.SetAnnotations(map[string]string{stashAnnotation: "{not json"})
	storeFile(ctx, t, live, bad)
	before := snapshot(ctx, t, trafficTargets)

	plan, _ = runPlan(ctx, t, 2)
	c := crdPlan(t, plan, trafficTargets)
	if !c.Attention || c.Objects == nil || c.Objects.Checked != 2 || len(c.Objects.Invalid) != 2 {
		t.Fatalf("attention %t, objects %+v; want bad-stash named for v1alpha1 and v1alpha2", c.Attention, c.Objects)
	}
	for i, v := range []string{"v1alpha1", "v1alpha2"} {
		got := c.Objects.Invalid[i]
		if got.ID() != namespace+"/bad-stash" || got.Version != v || !strings.Contains(got.ConversionError, stashAnnotation) {
			t.Errorf("finding %d: %+v, want %s/bad-stash as %s, with the unreadable annotation as reason", i, got, namespace, v)
		}
	}

	table := runTable(ctx, t, 2)
	if !strings.Contains(table.Stdout, "! "+namespace+"/bad-stash (as v1alpha1): does not convert: ") {
		t.Errorf("the table does not name the object that does not convert:\n%s", table.Stdout)
	}
	checkUnchanged(t, before, snapshot(ctx, t, trafficTargets))
}

// TestObjectsOfV113Convert installs osm-edge v1.1.3's CRDs as its
// instructions did (kubectl apply) and stores one object of each of its
// multi-version kinds in its storage version: a TrafficTarget in
// v1alpha3, a TrafficSplit in v1alpha2 (the bundle stores v1alpha4) and a
// MeshConfig in v1alpha2. Each is converted to every version the bundle
// adds, newly serves or changes, and none is named.
func TestObjectsOfV113Convert(t *testing.T) {
	ctx := setup(t)
	dir := framework.PreviousRelease("osm-edge-v1.1.3")
	if out, err := cp.Kubectl(ctx, "apply", "-f", dir); err != nil {
		t.Fatalf("kubectl apply: %v\n%s", err, out)
	}
	old, err := framework.ReadCRDs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := framework.WaitEstablished(ctx, cp.Config, framework.CRDNames(old)); err != nil {
		t.Fatal(err)
	}
	objects := map[string]*unstructured.Unstructured{
		trafficTargets: framework.TestObject(t, trafficTargets, "v1alpha3.yaml"),
		trafficSplits:  framework.TestObject(t, trafficSplits, "v1alpha2.yaml"),
		meshConfigs:    upgradeObject(t, "osm-edge-v1.1.3", meshConfigs),
	}
	for name, obj := range objects {
		storeFile(ctx, t, framework.MustListCRDs(ctx, t, cp.Config)[name], obj)
	}

	// v1.1.3's TrafficSplit storage version changes: that fact alone
	// needs attention, so plan exits 2 whatever the objects.
	plan, _ := runPlan(ctx, t, 2)
	want := map[string][]string{
		trafficTargets: {"v1alpha1", "v1alpha2"},
		trafficSplits:  {"v1alpha3", "v1alpha4"},
		meshConfigs:    {"v1alpha1"},
	}
	for name, converted := range want {
		o := crdPlan(t, plan, name).Objects
		if o == nil || o.Error != "" || o.Checked != 1 {
			t.Errorf("%s: objects check %+v, want 1 checked", name, o)
			continue
		}
		if o.Version != objects[name].GroupVersionKind().Version || !reflect.DeepEqual(o.Converted, converted) {
			t.Errorf("%s: read in %s, converted to %v; want %s and %v", name, o.Version, o.Converted,
				objects[name].GroupVersionKind().Version, converted)
		}
		if len(o.Invalid) != 0 {
			t.Errorf("%s: invalid objects %+v, want none", name, o.Invalid)
		}
	}
}

// upgradeObject reads the object test/testdata/upgrade keeps for a release.
func upgradeObject(t *testing.T, release, crd string) *unstructured.Unstructured {
	t.Helper()
	path := filepath.Join(framework.RepoRoot(), "test", "testdata", "upgrade", release, crd+".yaml")
	return framework.ReadObject(t, path)
}

// storeFile creates obj in its own version, refusing unknown fields, and
// waits out the moment a new CRD's storage is not yet ready.
func storeFile(ctx context.Context, t *testing.T, crd *apiextensionsv1.CustomResourceDefinition, obj *unstructured.Unstructured) {
	t.Helper()
	if crd == nil {
		t.Fatalf("no CRD for %s", obj.GroupVersionKind())
	}
	version := obj.GroupVersionKind().Version
	client := dynamic.NewForConfigOrDie(cp.Config).Resource(gvr(crd, version)).Namespace(obj.GetNamespace())
	opts := metav1.CreateOptions{FieldValidation: metav1.FieldValidationStrict}
	var createErr error
	err := wait.PollUntilContextTimeout(ctx, pollInterval, readyTimeout, true, func(ctx context.Context) (bool, error) {
		_, createErr = client.Create(ctx, obj, opts)
		return !apierrors.IsNotFound(createErr), nil
	})
	if err := errors.Join(err, createErr); err != nil {
		t.Fatalf("store %s %s in %s: %v", crd.Name, obj.GetName(), version, err)
	}
}
