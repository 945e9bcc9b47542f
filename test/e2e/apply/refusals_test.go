package apply

import (
	"context"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

const trafficTargets = "traffictargets.access.smi-spec.io"

// TestRefusesToDropAStoredVersion stores objects in a version the bundle
// lacks; apply must refuse before writing anything and name the CRD, the
// version and the remedy.
func TestRefusesToDropAStoredVersion(t *testing.T) {
	ctx := setup(t)
	crd := bundle(t).Get(trafficTargets)
	extra := *crd.Spec.Versions[0].DeepCopy()
	extra.Name, extra.Storage, extra.Deprecated, extra.DeprecationWarning = "v1beta9", false, false, nil
	crd.Spec.Versions = append(crd.Spec.Versions, extra)
	for i := range crd.Spec.Versions {
		crd.Spec.Versions[i].Storage = crd.Spec.Versions[i].Name == "v1beta9"
	}
	create(ctx, t, crd)

	run := apply(ctx, t, 1, webhookArgs...)
	for _, want := range []string{trafficTargets, "v1beta9", "init-osm-bootstrap migrate", "nothing was written"} {
		if !strings.Contains(run.Stderr, want) {
			t.Errorf("the refusal does not mention %q:\n%s", want, run.Stderr)
		}
	}
	live := liveCRDs(ctx, t)
	if len(live) != 1 {
		t.Errorf("a refused run wrote: %d CRDs in the cluster, want the 1 created by the test", len(live))
	}
	if live[trafficTargets].Annotations[crds.BundleVersionAnnotation] != "" {
		t.Errorf("the refused CRD was written")
	}
}

// TestLeavesANewerBundleAlone marks a CRD as coming from a newer bundle:
// apply leaves it alone, warns and succeeds; --allow-downgrade applies it.
func TestLeavesANewerBundleAlone(t *testing.T) {
	ctx := setup(t)
	apply(ctx, t, 0, webhookArgs...)

	patch := `{"metadata":{"annotations":{"` + crds.BundleVersionAnnotation + `":"99.0.0"}},"spec":{"names":{"shortNames":["newer"]}}}`
	client := apiextensionsclient.NewForConfigOrDie(cp.Config).ApiextensionsV1().CustomResourceDefinitions()
	newer, err := client.Patch(ctx, trafficTargets, types.MergePatchType, []byte(patch), metav1.PatchOptions{FieldManager: "init-osm-bootstrap-v99"})
	if err != nil {
		t.Fatal(err)
	}

	run := apply(ctx, t, 0, webhookArgs...)
	if len(run.Find("CRD left alone", map[string]any{"crd": trafficTargets, "result": "skipped"})) != 1 {
		t.Errorf("no warning that the newer CRD was left alone:\n%s", run.Stderr)
	}
	// The naming controller may update the status; the spec and metadata
	// must stay the newer bundle's.
	if got := liveCRDs(ctx, t)[trafficTargets]; got.Generation != newer.Generation ||
		got.Annotations[crds.BundleVersionAnnotation] != "99.0.0" || !contains(got.Spec.Names.ShortNames, "newer") {
		t.Errorf("the newer CRD was written")
	}

	run = apply(ctx, t, 0, append(webhookArgs, "--allow-downgrade")...)
	got := liveCRDs(ctx, t)[trafficTargets]
	if got.Annotations[crds.BundleVersionAnnotation] == "99.0.0" || contains(got.Spec.Names.ShortNames, "newer") {
		t.Errorf("--allow-downgrade did not apply the bundle:\n%s", run.Stderr)
	}
}

// TestTakesOverFieldsOfAnotherManager lets another server-side apply
// manager own a field with a different value; apply takes it over and says
// whose it was.
func TestTakesOverFieldsOfAnotherManager(t *testing.T) {
	ctx := setup(t)
	apply(ctx, t, 0, webhookArgs...)

	other := `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"` + trafficTargets +
		`","labels":{"app.kubernetes.io/name":"someone-else"}}}`
	client := apiextensionsclient.NewForConfigOrDie(cp.Config).ApiextensionsV1().CustomResourceDefinitions()
	force := true
	if _, err := client.Patch(ctx, trafficTargets, types.ApplyPatchType, []byte(other), metav1.PatchOptions{FieldManager: "someone-else", Force: &force}); err != nil {
		t.Fatal(err)
	}

	run := apply(ctx, t, 0, webhookArgs...)
	lines := run.Find("CRD applied", map[string]any{"crd": trafficTargets, "result": "updated"})
	if len(lines) != 1 || !strings.Contains(strings.Join(toStrings(lines[0]["conflicts"]), ","), "someone-else") {
		t.Errorf("the take-over was not logged with the other manager:\n%s", run.Stderr)
	}
	if got := liveCRDs(ctx, t)[trafficTargets].Labels["app.kubernetes.io/name"]; got != "openservicemesh.io" {
		t.Errorf("label = %q, want the bundle's", got)
	}
}

// TestConversionNoneRefusesAReshapedStoredVersion stores TrafficTargets in
// v1alpha2, whose shape differs from v1alpha3's: without a webhook they would
// lose fields on read, so apply --conversion none refuses.
func TestConversionNoneRefusesAReshapedStoredVersion(t *testing.T) {
	ctx := setup(t)
	crd := bundle(t).Get(trafficTargets)
	for i := range crd.Spec.Versions {
		crd.Spec.Versions[i].Storage = crd.Spec.Versions[i].Name == "v1alpha2"
	}
	create(ctx, t, crd)

	run := apply(ctx, t, 1, "--conversion", "none")
	for _, want := range []string{trafficTargets, "v1alpha2", "--conversion webhook"} {
		if !strings.Contains(run.Stderr, want) {
			t.Errorf("the refusal does not mention %q:\n%s", want, run.Stderr)
		}
	}
}

// TestConversionNoneServesOnlyLosslessVersions applies without a webhook:
// versions whose schema differs from the storage version's are not served.
func TestConversionNoneServesOnlyLosslessVersions(t *testing.T) {
	ctx := setup(t)
	run := apply(ctx, t, 0, "--conversion", "none")

	live := liveCRDs(ctx, t)[trafficTargets]
	served := map[string]bool{}
	for _, v := range live.Spec.Versions {
		served[v.Name] = v.Served
	}
	if served["v1alpha1"] || served["v1alpha2"] || !served["v1alpha3"] {
		t.Errorf("served versions %v, want only v1alpha3", served)
	}
	if live.Spec.Conversion.Strategy != apiextensionsv1.NoneConverter {
		t.Errorf("conversion %s, want None", live.Spec.Conversion.Strategy)
	}
	lines := run.Find("CRD applied", map[string]any{"crd": trafficTargets})
	if len(lines) != 1 || strings.Join(toStrings(lines[0]["unserved"]), ",") != "v1alpha1,v1alpha2" {
		t.Errorf("the log does not name the unserved versions:\n%s", run.Stderr)
	}
}

func create(ctx context.Context, t *testing.T, crd *apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	client := apiextensionsclient.NewForConfigOrDie(cp.Config).ApiextensionsV1().CustomResourceDefinitions()
	if _, err := client.Create(ctx, crd, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		out = append(out, x.(string))
	}
	return out
}

// TestSecondControlPlaneLeavesConversionAlone runs apply for a second mesh
// in another namespace: the CRDs keep converting through the first mesh's
// webhook, and the log says so, until --take-over-conversion.
func TestSecondControlPlaneLeavesConversionAlone(t *testing.T) {
	ctx := setup(t)
	apply(ctx, t, 0, webhookArgs...)
	const other = "other-mesh"
	framework.EnsureNamespace(ctx, t, cp.Config, other)
	otherArgs := []string{"--namespace", other, "--webhook-url", "https://127.0.0.1:9555"}

	run := apply(ctx, t, 0, otherArgs...)
	if len(run.Find("CRD conversion left to its owner", map[string]any{"crd": trafficTargets, "owner": "osm-system/osm-bootstrap"})) != 1 {
		t.Errorf("the second mesh did not say it left the conversion alone:\n%s", run.Stderr)
	}
	checkConversionOwner(ctx, t, "osm-system/osm-bootstrap", "https://127.0.0.1:9443/convert/"+trafficTargets)

	apply(ctx, t, 0, append(otherArgs, "--take-over-conversion")...)
	checkConversionOwner(ctx, t, other+"/osm-bootstrap", "https://127.0.0.1:9555/convert/"+trafficTargets)
}

func checkConversionOwner(ctx context.Context, t *testing.T, owner, url string) {
	t.Helper()
	live := liveCRDs(ctx, t)[trafficTargets]
	if got := live.Annotations[crds.ConversionOwnerAnnotation]; got != owner {
		t.Errorf("conversion owner %q, want %q", got, owner)
	}
	conv := live.Spec.Conversion
	if conv.Webhook == nil || conv.Webhook.ClientConfig == nil || conv.Webhook.ClientConfig.URL == nil || *conv.Webhook.ClientConfig.URL != url {
		t.Errorf("conversion %+v, want the webhook at %s", conv, url)
	}
}
