package webhook

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

const (
	trafficTargetCRD = "traffictargets.access.smi-spec.io"
	meshConfigCRD    = "meshconfigs.config.openservicemesh.io"
)

// resource is the resource of a version of the named CRD.
var resource = framework.Resource

// setup gives a test an empty cluster with the bundle applied, its CRDs
// calling a webhook binary that is ready.
func setup(t *testing.T) (context.Context, dynamic.Interface, *framework.Webhook) {
	t.Helper()
	ctx := framework.Reset(t, cp.Config, testTimeout)
	port := framework.FreePort(t)
	// apply creates the Secret the webhook serves from.
	framework.MustExec(ctx, t, cp.Kubeconfig, 0, framework.ApplyArgs(framework.Namespace, port)...)
	w := framework.StartWebhook(ctx, t, cp.Kubeconfig, port)
	return ctx, dynamic.NewForConfigOrDie(cp.Config), w
}

func TestTrafficTargetReadInEveryVersion(t *testing.T) {
	ctx, client, w := setup(t)
	obj := framework.TestObject(t, trafficTargetCRD, "v1alpha1.yaml")
	ns := obj.GetNamespace()
	created, err := client.Resource(resource(trafficTargetCRD, "v1alpha1")).Namespace(ns).Create(ctx, obj, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	for _, version := range []string{"v1alpha3", "v1alpha2", "v1alpha1"} {
		got, err := client.Resource(resource(trafficTargetCRD, version)).Namespace(ns).Get(ctx, obj.GetName(), metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get as %s: %v", version, err)
		}
		if want := "access.smi-spec.io/" + version; got.GetAPIVersion() != want {
			t.Errorf("read as %s: apiVersion %s", version, got.GetAPIVersion())
		}
		if version == "v1alpha3" {
			if _, found, _ := unstructured.NestedSlice(got.Object, "spec", "rules"); !found {
				t.Errorf("v1alpha3 has no spec.rules: %v", got.Object)
			}
		}
	}
	back, err := client.Resource(resource(trafficTargetCRD, "v1alpha1")).Namespace(ns).Get(ctx, obj.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !equality.Semantic.DeepEqual(withoutServerMetadata(back), withoutServerMetadata(created)) {
		t.Errorf("v1alpha1 read back differs from what was created:\ngot  %v\nwant %v",
			withoutServerMetadata(back), withoutServerMetadata(created))
	}
	if n := w.Reviews(t, trafficTargetCRD); n < 3 {
		t.Errorf("/metrics counts %v successful TrafficTarget reviews, want at least 3", n)
	}
}

func TestMeshConfigKeepsInterceptionModeNone(t *testing.T) {
	ctx, client, _ := setup(t)
	obj := framework.TestObject(t, meshConfigCRD, "v1alpha2.yaml")
	if err := unstructured.SetNestedField(obj.Object, "none", "spec", "traffic", "interceptionMode"); err != nil {
		t.Fatal(err)
	}
	ns := obj.GetNamespace()
	if ns == "" {
		ns = framework.Namespace
	}
	if _, err := client.Resource(resource(meshConfigCRD, "v1alpha2")).Namespace(ns).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	old, err := client.Resource(resource(meshConfigCRD, "v1alpha1")).Namespace(ns).Get(ctx, obj.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get as v1alpha1: %v", err)
	}
	if mode, _, _ := unstructured.NestedString(old.Object, "spec", "traffic", "interceptionMode"); mode == "none" {
		t.Errorf("v1alpha1 holds interceptionMode none, which its schema rejects")
	}
	if _, err := client.Resource(resource(meshConfigCRD, "v1alpha1")).Namespace(ns).Update(ctx, old, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("write back through v1alpha1: %v", err)
	}
	now, err := client.Resource(resource(meshConfigCRD, "v1alpha2")).Namespace(ns).Get(ctx, obj.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if mode, _, _ := unstructured.NestedString(now.Object, "spec", "traffic", "interceptionMode"); mode != "none" {
		t.Errorf("interceptionMode %q after v1alpha1 and back, want none", mode)
	}
}

func TestListEveryServedVersion(t *testing.T) {
	ctx, client, w := setup(t)
	for _, crd := range framework.MustBundle(t).CRDs() {
		if len(crd.Spec.Versions) < 2 {
			continue
		}
		created := createEveryVersion(ctx, t, client, crd.Name)
		for _, v := range crd.Spec.Versions {
			if !v.Served {
				continue
			}
			list, err := client.Resource(resource(crd.Name, v.Name)).List(ctx, metav1.ListOptions{})
			if err != nil {
				t.Errorf("list %s %s: %v", crd.Name, v.Name, err)
				continue
			}
			if len(list.Items) != created {
				t.Errorf("list %s %s: %d items, want %d", crd.Name, v.Name, len(list.Items), created)
			}
			for _, item := range list.Items {
				if want := crd.Spec.Group + "/" + v.Name; item.GetAPIVersion() != want {
					t.Errorf("list %s %s: item %s in %s", crd.Name, v.Name, item.GetName(), item.GetAPIVersion())
				}
			}
		}
		if n := w.Reviews(t, crd.Name); n < 1 {
			t.Errorf("/metrics counts no successful review of %s", crd.Name)
		}
	}
}

// createEveryVersion creates the valid test object of each version of crd
// in that version, and returns how many it created.
func createEveryVersion(ctx context.Context, t *testing.T, client dynamic.Interface, crd string) int {
	t.Helper()
	files, err := filepath.Glob(framework.ObjectPath(crd, "v*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, file := range files {
		base := filepath.Base(file)
		version, rest, _ := strings.Cut(base, ".")
		if rest != "yaml" {
			continue
		}
		obj := framework.TestObject(t, crd, base)
		obj.SetName(fmt.Sprintf("%s-%s", obj.GetName(), version))
		ns := obj.GetNamespace()
		if ns == "" {
			ns = framework.Namespace
		}
		if _, err := client.Resource(resource(crd, version)).Namespace(ns).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create %s %s: %v", crd, version, err)
		}
		n++
	}
	if n == 0 {
		t.Fatalf("no test object for %s", crd)
	}
	return n
}
