package webhook

import (
	"context"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// downCase is an object read while the webhook is down: stored is the
// CRD's storage version, other a version that needs a conversion.
type downCase struct {
	crd, file, stored, other string
}

var downCases = []downCase{
	{crd: trafficTargetCRD, file: "v1alpha3.yaml", stored: "v1alpha3", other: "v1alpha1"},
	{crd: meshConfigCRD, file: "v1alpha2.yaml", stored: "v1alpha2", other: "v1alpha1"},
}

func TestWebhookDownAndBack(t *testing.T) {
	ctx, client, w := setup(t)
	before := make([]*unstructured.Unstructured, len(downCases))
	for i, c := range downCases {
		if got := storageVersion(t, c.crd); got != c.stored {
			t.Fatalf("%s is stored in %s, the test expects %s", c.crd, got, c.stored)
		}
		obj := framework.TestObject(t, c.crd, c.file)
		obj.SetName("down-" + obj.GetName())
		if _, err := client.Resource(resource(c.crd, c.stored)).Namespace(obj.GetNamespace()).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create %s %s: %v", c.crd, c.stored, err)
		}
		before[i] = getAs(ctx, t, client, c.crd, c.other, obj)
	}

	w.Stop(t)
	for i, c := range downCases {
		getAs(ctx, t, client, c.crd, c.stored, before[i])
		if _, err := client.Resource(resource(c.crd, c.stored)).List(ctx, metav1.ListOptions{}); err != nil {
			t.Errorf("webhook down: list %s %s: %v", c.crd, c.stored, err)
		}
		// Only a get is asserted to fail: the API server answers a list
		// from its watch cache, which holds the objects already converted
		// while the webhook was up, whereas a get reads etcd and converts.
		_, err := client.Resource(resource(c.crd, c.other)).Namespace(before[i].GetNamespace()).Get(ctx, before[i].GetName(), metav1.GetOptions{})
		wantConversionError(t, c, err)
	}

	framework.StartWebhook(ctx, t, cp.Kubeconfig, w.Port)
	for i, c := range downCases {
		after := getAs(ctx, t, client, c.crd, c.other, before[i])
		if !equality.Semantic.DeepEqual(withoutServerMetadata(after), withoutServerMetadata(before[i])) {
			t.Errorf("%s %s after the webhook came back differs:\ngot  %v\nwant %v", c.crd, c.other,
				withoutServerMetadata(after), withoutServerMetadata(before[i]))
		}
		if _, err := client.Resource(resource(c.crd, c.other)).List(ctx, metav1.ListOptions{}); err != nil {
			t.Errorf("webhook back: list %s %s: %v", c.crd, c.other, err)
		}
	}
}

// storageVersion returns the version in which the bundle stores crd.
func storageVersion(t *testing.T, crd string) string {
	t.Helper()
	def := framework.MustBundle(t).Get(crd)
	if def == nil {
		t.Fatalf("%s is not in the bundle", crd)
	}
	for _, v := range def.Spec.Versions {
		if v.Storage {
			return v.Name
		}
	}
	t.Fatalf("%s has no storage version", crd)
	return ""
}

// getAs reads obj of crd in version or fails the test.
func getAs(ctx context.Context, t *testing.T, client dynamic.Interface, crd, version string, obj *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	got, err := client.Resource(resource(crd, version)).Namespace(obj.GetNamespace()).Get(ctx, obj.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get %s %s as %s: %v", crd, obj.GetName(), version, err)
	}
	return got
}

// wantConversionError checks that a read in a version other than the
// storage one failed because the API server could not call the webhook.
func wantConversionError(t *testing.T, c downCase, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("webhook down: get %s as %s succeeded, want a conversion webhook error", c.crd, c.other)
		return
	}
	if !strings.Contains(err.Error(), "conversion webhook") {
		t.Errorf("webhook down: get %s as %s: %v, want a conversion webhook error", c.crd, c.other, err)
	}
}
