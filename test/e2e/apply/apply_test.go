package apply

import (
	"context"
	"reflect"
	"sync"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/version"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// TestInstallIsIdempotentAndCorrectsDrift installs the bundle into an empty
// cluster, runs again (which must write nothing), edits a CRD by hand and
// runs again (which must put it back).
func TestInstallIsIdempotentAndCorrectsDrift(t *testing.T) {
	ctx := setup(t)
	b := bundle(t)

	first := apply(ctx, t, 0, webhookArgs...)
	if got := len(first.Find("CRD applied", map[string]any{"result": "created"})); got != len(b.Names()) {
		t.Errorf("%d CRDs created, want %d", got, len(b.Names()))
	}
	installed := liveCRDs(ctx, t)
	for _, name := range b.Names() {
		checkInstalled(t, installed[name], b.Get(name))
	}

	second := apply(ctx, t, 0, webhookArgs...)
	if got := len(second.Find("CRD applied", map[string]any{"result": "unchanged"})); got != len(b.Names()) {
		t.Errorf("second run: %d CRDs unchanged, want %d\n%s", got, len(b.Names()), second.Stderr)
	}
	if got := len(second.Find("CRD up to date, apply not sent", nil)); got != len(b.Names()) {
		t.Errorf("second run: %d CRDs judged up to date without a request, want %d", got, len(b.Names()))
	}
	if after := versions(liveCRDs(ctx, t)); !reflect.DeepEqual(after, versions(installed)) {
		t.Errorf("a run with nothing to change wrote: before %v, after %v", versions(installed), after)
	}

	const edited = "traffictargets.access.smi-spec.io"
	editByHand(ctx, t, edited)
	third := apply(ctx, t, 0, webhookArgs...)
	if len(third.Find("CRD up to date, apply not sent", map[string]any{"crd": edited})) != 0 {
		t.Errorf("the edited CRD was judged up to date")
	}
	if len(third.Find("CRD applied", map[string]any{"crd": edited, "result": "updated"})) != 1 {
		t.Errorf("the edited CRD was not reported updated:\n%s", third.Stderr)
	}
	restored := liveCRDs(ctx, t)[edited]
	if !equality.Semantic.DeepEqual(restored.Spec, installed[edited].Spec) {
		t.Errorf("the edited CRD was not restored")
	}
	if restored.Labels["edited-by"] != "hand" {
		// A label the bundle never set is not the bundle's to remove.
		t.Errorf("apply removed a label another writer owns")
	}
}

func checkInstalled(t *testing.T, live, bundled *apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	if live == nil {
		t.Errorf("CRD %s not installed", bundled.Name)
		return
	}
	if got := live.Annotations[crds.BundleVersionAnnotation]; got != version.Version() {
		t.Errorf("%s: bundle version annotation %q, want %q", live.Name, got, version.Version())
	}
	for k, v := range bundled.Labels {
		if live.Labels[k] != v {
			t.Errorf("%s: label %s=%q, want %q", live.Name, k, live.Labels[k], v)
		}
	}
	conv := live.Spec.Conversion
	if len(bundled.Spec.Versions) == 1 {
		if conv.Strategy != apiextensionsv1.NoneConverter {
			t.Errorf("%s: single-version CRD has conversion %s", live.Name, conv.Strategy)
		}
		return
	}
	if conv.Strategy != apiextensionsv1.WebhookConverter || conv.Webhook == nil || conv.Webhook.ClientConfig == nil || conv.Webhook.ClientConfig.URL == nil {
		t.Errorf("%s: conversion %+v, want a webhook URL", live.Name, conv)
		return
	}
	if want := "https://127.0.0.1:9443/convert/" + live.Name; *conv.Webhook.ClientConfig.URL != want {
		t.Errorf("%s: webhook URL %q, want %q", live.Name, *conv.Webhook.ClientConfig.URL, want)
	}
	if len(conv.Webhook.ClientConfig.CABundle) == 0 {
		t.Errorf("%s: no caBundle", live.Name)
	}
	if !reflect.DeepEqual(conv.Webhook.ConversionReviewVersions, []string{"v1", "v1beta1"}) {
		t.Errorf("%s: conversionReviewVersions %v", live.Name, conv.Webhook.ConversionReviewVersions)
	}
	if live.Annotations[crds.ConversionOwnerAnnotation] != "osm-system/osm-bootstrap" {
		t.Errorf("%s: conversion owner %q", live.Name, live.Annotations[crds.ConversionOwnerAnnotation])
	}
	for _, v := range live.Spec.Versions {
		if !v.Served {
			t.Errorf("%s %s: not served with the webhook", live.Name, v.Name)
		}
	}
}

// editByHand changes a CRD as an operator with kubectl edit would: a
// printer column dropped, a version's deprecation cleared, a label added.
func editByHand(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	client := apiextensionsclient.NewForConfigOrDie(cp.Config).ApiextensionsV1().CustomResourceDefinitions()
	crd, err := client.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	crd.Spec.Versions[0].Deprecated = false
	crd.Spec.Versions[0].DeprecationWarning = nil
	crd.Spec.Names.ShortNames = append(crd.Spec.Names.ShortNames, "edited")
	crd.Labels["edited-by"] = "hand"
	if _, err := client.Update(ctx, crd, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
}

// TestTwoRunsAtOnce starts two applies together, as a rolling update does;
// both must succeed and leave the state one run leaves.
func TestTwoRunsAtOnce(t *testing.T) {
	ctx := setup(t)

	var wg sync.WaitGroup
	runs := make([]framework.Run, 2)
	errs := make([]error, 2)
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i], errs[i] = framework.Exec(ctx, cp.Kubeconfig, append([]string{"apply"}, webhookArgs...)...)
		}()
	}
	wg.Wait()
	for i := range runs {
		if errs[i] != nil || runs[i].Code != 0 {
			t.Fatalf("run %d: code %d, err %v\n%s", i, runs[i].Code, errs[i], runs[i].Stderr)
		}
	}

	together := liveCRDs(ctx, t)
	again := apply(ctx, t, 0, webhookArgs...)
	if n := len(again.Find("CRD applied", map[string]any{"result": "unchanged"})); n != len(together) {
		t.Errorf("after two runs at once, a third changed something:\n%s", again.Stderr)
	}
	b := bundle(t)
	for _, name := range b.Names() {
		checkInstalled(t, together[name], b.Get(name))
	}
}
