package upgrade

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/diff"
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/certs"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// freshInstall holds the bundled CRDs as a fresh install into an empty
// cluster leaves them, server defaults included: what an upgraded CRD must
// equal. It is made once per test run.
var freshInstall map[string]*apiextensionsv1.CustomResourceDefinition

// reference returns freshInstall, installing into the (empty) cluster the
// first time and emptying it again, Secret included.
func reference(ctx context.Context, t *testing.T, b *crds.Bundle) map[string]*apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	if freshInstall != nil {
		return freshInstall
	}
	apply(ctx, t)
	live := liveCRDs(ctx, t)
	ref := map[string]*apiextensionsv1.CustomResourceDefinition{}
	for _, name := range b.Names() {
		if live[name] == nil {
			t.Fatalf("a fresh install did not create %s", name)
		}
		ref[name] = live[name]
	}
	if err := framework.DeleteCRDsAndObjects(ctx, cp.Config); err != nil {
		t.Fatal(err)
	}
	deleteWebhookSecret(ctx, t)
	freshInstall = ref
	return ref
}

// checkDryRun runs apply --dry-run over the old release: it must write
// nothing, create no Secret, and report per bundled CRD what a real run
// would do.
func checkDryRun(ctx context.Context, t *testing.T, b *crds.Bundle, before map[string]*apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	run := apply(ctx, t, "--dry-run")
	if after := liveCRDs(ctx, t); !reflect.DeepEqual(writes(after), writes(before)) {
		t.Errorf("a dry run wrote CRDs: before %v, after %v", writes(before), writes(after))
	}
	if webhookSecret(ctx, t) != nil {
		t.Errorf("a dry run created the Secret %s", certs.SecretName)
	}
	for _, name := range b.Names() {
		want := wantResult(before[name])
		if n := len(run.Find("CRD applied", map[string]any{"crd": name, "result": want, "dryRun": true})); n != 1 {
			t.Errorf("dry run: %d lines say %s would be %s, want 1\n%s", n, name, want, run.Stderr)
		}
	}
}

func wantResult(before *apiextensionsv1.CustomResourceDefinition) crds.Result {
	if before == nil {
		return crds.ResultCreated
	}
	return crds.ResultUpdated
}

// checkUpgraded checks every CRD after the upgrade: the bundled ones equal a
// fresh install's, only our manager owns them, and their log line names the
// managers whose fields were taken over; the others are untouched.
func checkUpgraded(ctx context.Context, t *testing.T, run framework.Run, b *crds.Bundle,
	before, ref map[string]*apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	after := liveCRDs(ctx, t)
	secret := webhookSecret(ctx, t)
	if secret == nil {
		t.Fatalf("apply did not create the Secret %s", certs.SecretName)
	}
	for _, name := range b.Names() {
		live := after[name]
		if live == nil {
			t.Errorf("%s: not in the cluster", name)
			continue
		}
		checkLogLine(t, run, name, before[name])
		checkEqualsFreshInstall(t, live, ref[name], secret)
		checkEqualsBundle(t, live, b.Get(name))
		checkOwnedByUs(t, live)
		checkStoredVersionsKept(t, live, before[name])
	}
	for name, old := range before {
		if b.Get(name) != nil {
			continue
		}
		if now := after[name]; now == nil || now.ResourceVersion != old.ResourceVersion {
			t.Errorf("%s, which the bundle does not carry, was written or deleted", name)
		}
	}
}

// checkLogLine checks the CRD's line: created or updated, and, for an
// upgraded CRD, the managers of the old release named as conflicts.
func checkLogLine(t *testing.T, run framework.Run, name string, before *apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	lines := run.Find("CRD applied", map[string]any{"crd": name, "result": wantResult(before)})
	if len(lines) != 1 {
		t.Errorf("%s: no line saying it was %s\n%s", name, wantResult(before), run.Stderr)
		return
	}
	conflicts := fmt.Sprint(lines[0]["conflicts"])
	for _, manager := range otherManagers(before) {
		if !strings.Contains(conflicts, manager) {
			t.Errorf("%s: conflicts %s do not name %s, whose fields were taken over", name, conflicts, manager)
		}
	}
}

// otherManagers lists the managers other than ours of the main resource.
func otherManagers(crd *apiextensionsv1.CustomResourceDefinition) []string {
	names := sets.New[string]()
	if crd == nil {
		return nil
	}
	for _, e := range crd.ManagedFields {
		if e.Subresource == "" && e.Manager != crds.FieldManager {
			names.Insert(e.Manager)
		}
	}
	return sets.List(names)
}

// checkEqualsFreshInstall compares spec, labels and annotations with a
// fresh install's: whatever the old release set and the bundle lacks must be
// gone. The caBundle comes from the Secret of each run, so it is compared
// with the Secret instead.
func checkEqualsFreshInstall(t *testing.T, live, ref *apiextensionsv1.CustomResourceDefinition, secret *corev1.Secret) {
	t.Helper()
	got, want := withoutCABundle(live), withoutCABundle(ref)
	if !equality.Semantic.DeepEqual(got.Spec, want.Spec) {
		t.Errorf("%s: spec differs from a fresh install's (-fresh +upgraded):\n%s", live.Name, diff.Diff(want.Spec, got.Spec))
	}
	if !equality.Semantic.DeepEqual(live.Labels, ref.Labels) {
		t.Errorf("%s: labels %v, want a fresh install's %v", live.Name, live.Labels, ref.Labels)
	}
	if _, ok := live.Annotations[corev1.LastAppliedConfigAnnotation]; ok {
		t.Errorf("%s: the %s annotation remains", live.Name, corev1.LastAppliedConfigAnnotation)
	}
	if !equality.Semantic.DeepEqual(live.Annotations, ref.Annotations) {
		t.Errorf("%s: annotations %v, want a fresh install's %v", live.Name, keys(live.Annotations), keys(ref.Annotations))
	}
	if conv := live.Spec.Conversion; conv.Webhook != nil && conv.Webhook.ClientConfig != nil &&
		!bytes.Equal(conv.Webhook.ClientConfig.CABundle, secret.Data[certs.CACertKey]) {
		t.Errorf("%s: caBundle is not the CA of the Secret %s", live.Name, certs.SecretName)
	}
}

func withoutCABundle(crd *apiextensionsv1.CustomResourceDefinition) *apiextensionsv1.CustomResourceDefinition {
	out := crd.DeepCopy()
	if conv := out.Spec.Conversion; conv != nil && conv.Webhook != nil && conv.Webhook.ClientConfig != nil {
		conv.Webhook.ClientConfig.CABundle = nil
	}
	return out
}

// checkEqualsBundle compares the versions with the bundle's directly: the
// same names and storage version, and the same schema for each.
func checkEqualsBundle(t *testing.T, live, bundled *apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	if len(live.Spec.Versions) != len(bundled.Spec.Versions) {
		t.Errorf("%s: %d versions, the bundle has %d", live.Name, len(live.Spec.Versions), len(bundled.Spec.Versions))
		return
	}
	for i, want := range bundled.Spec.Versions {
		got := live.Spec.Versions[i]
		if got.Name != want.Name || got.Storage != want.Storage {
			t.Errorf("%s: version %d is %s (storage %t), the bundle's is %s (storage %t)",
				live.Name, i, got.Name, got.Storage, want.Name, want.Storage)
			continue
		}
		if !equality.Semantic.DeepEqual(got.Schema, want.Schema) {
			t.Errorf("%s %s: schema differs from the bundle's (-bundle +live):\n%s", live.Name, got.Name, diff.Diff(want.Schema, got.Schema))
		}
	}
}

// checkOwnedByUs: no manager but ours owns a field of the main resource;
// the API server's status writers own only the status subresource.
func checkOwnedByUs(t *testing.T, live *apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	for _, e := range live.ManagedFields {
		if e.Subresource == "" && e.Manager != crds.FieldManager {
			t.Errorf("%s: %s (%s) still owns fields: %s", live.Name, e.Manager, e.Operation, e.FieldsV1)
		}
	}
}

// checkStoredVersionsKept: apply must not trim status.storedVersions; that is
// migrate's job, once the objects are rewritten.
func checkStoredVersionsKept(t *testing.T, live, before *apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	if before == nil {
		return
	}
	if missing := sets.List(sets.New(before.Status.StoredVersions...).Difference(sets.New(live.Status.StoredVersions...))); len(missing) > 0 {
		t.Errorf("%s: status.storedVersions lost %v (now %v)", live.Name, missing, live.Status.StoredVersions)
	}
}

// checkSecondRunWritesNothing runs apply again: every CRD is unchanged and
// keeps its resourceVersion and generation.
func checkSecondRunWritesNothing(ctx context.Context, t *testing.T, b *crds.Bundle) {
	t.Helper()
	before := liveCRDs(ctx, t)
	run := apply(ctx, t)
	if after := liveCRDs(ctx, t); !reflect.DeepEqual(writes(after), writes(before)) {
		t.Errorf("a second run wrote: before %v, after %v", writes(before), writes(after))
	}
	if n := len(run.Find("CRD applied", map[string]any{"result": crds.ResultUnchanged})); n != len(b.Names()) {
		t.Errorf("second run: %d CRDs unchanged, want %d\n%s", n, len(b.Names()), run.Stderr)
	}
}

func keys(m map[string]string) []string {
	return sets.List(sets.KeySet(m))
}
