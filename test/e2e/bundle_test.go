package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// establishTimeout bounds the wait for a new CRD to be served.
const establishTimeout = 60 * time.Second

// TestBundleInstallsAndServesEveryVersion creates every bundled CRD in a
// real API server, waits until each is established, and then, for every
// served version of every kind, sends a realistic custom resource as a
// server-side dry-run create (which must succeed, with the deprecation
// warning for an older version) and each invalid variant (which must be
// refused). Objects of the storage version are really created and read back
// without a lost field.
//
// The CRDs are created as the manifests describe them, without a conversion
// webhook, so the server answers a request in an older version by rewriting
// the apiVersion of the storage version's object: fields the storage schema
// lacks are gone from that answer. TestNoConversionLosesOldFields pins that
// down; it is why apply serves such versions only with the webhook.
func TestBundleInstallsAndServesEveryVersion(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	bundle, err := crds.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	installBundle(ctx, t, bundle)

	for _, crd := range bundle.CRDs() {
		t.Run(crd.Name, func(t *testing.T) {
			checkTestDataCoversVersions(t, crd)
			for _, v := range crd.Spec.Versions {
				t.Run(v.Name, func(t *testing.T) {
					checkVersion(ctx, t, crd, v)
				})
			}
		})
	}
}

// TestNoConversionLosesOldFields shows what the API server does to an older
// version's object when a CRD has no conversion webhook: the answer to a
// TrafficTarget v1alpha1 create has lost the top-level fields v1alpha1 has
// and v1alpha3 lacks.
func TestNoConversionLosesOldFields(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bundle, err := crds.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	installBundle(ctx, t, bundle)

	crd := bundle.Get("traffictargets.access.smi-spec.io")
	valid, _, err := objectsOf(crd.Name, "v1alpha1")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := valid.obj.Object["sources"]; !ok {
		t.Fatal("test data: a v1alpha1 TrafficTarget must have top-level sources")
	}
	client, _ := versionClient(t, crd, "v1alpha1")
	got, err := client.Namespace(valid.obj.GetNamespace()).Create(ctx, valid.obj, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil {
		t.Fatal(err)
	}
	if _, kept := got.Object["sources"]; kept {
		t.Error("the server kept v1alpha1 sources without a webhook; the apply step's reason to refuse serving such versions is gone, revisit it")
	}
}

// installBundle creates every CRD of the bundle that is not there yet and
// waits until each is established.
func installBundle(ctx context.Context, t *testing.T, bundle *crds.Bundle) {
	t.Helper()
	ext := apiextensionsclient.NewForConfigOrDie(cp.Config)
	createNamespace(ctx, t, "osm-system")

	for _, crd := range bundle.CRDs() {
		_, err := ext.ApiextensionsV1().CustomResourceDefinitions().Create(ctx, crd, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("create CRD %s: %v", crd.Name, err)
		}
	}
	for _, crd := range bundle.CRDs() {
		if err := waitEstablished(ctx, ext, crd.Name); err != nil {
			t.Fatal(err)
		}
	}
}

// versionClient returns a client for one version of a CRD's resource, and
// the warnings the server sent to it.
func versionClient(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition, version string) (dynamic.NamespaceableResourceInterface, *warnings) {
	t.Helper()
	w := &warnings{}
	cfg := rest.CopyConfig(cp.Config)
	cfg.WarningHandler = w
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	gvr := schema.GroupVersionResource{Group: crd.Spec.Group, Version: version, Resource: crd.Spec.Names.Plural}
	return dyn.Resource(gvr), w
}

// warnings records the warnings an API server sent.
type warnings struct {
	mu   sync.Mutex
	list []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, text)
}

func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.list
	w.list = nil
	return out
}

func checkVersion(ctx context.Context, t *testing.T, crd *apiextensionsv1.CustomResourceDefinition, v apiextensionsv1.CustomResourceDefinitionVersion) {
	client, warned := versionClient(t, crd, v.Name)
	valid, invalid, err := objectsOf(crd.Name, v.Name)
	if err != nil {
		t.Fatalf("test data: %v", err)
	}
	if len(invalid) < 2 {
		t.Errorf("test data has %d invalid variants of %s %s, want at least 2", len(invalid), crd.Name, v.Name)
	}
	resource := namespaced(client, crd, valid.obj.GetNamespace())

	dryRun := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	if _, err := resource.Create(ctx, valid.obj, dryRun); err != nil {
		t.Fatalf("%s: dry-run create refused: %v", valid.file, err)
	}
	checkDeprecationWarning(t, v, warned.take())

	for _, o := range invalid {
		_, err := namespaced(client, crd, o.obj.GetNamespace()).Create(ctx, o.obj, dryRun)
		if !apierrors.IsInvalid(err) {
			t.Errorf("%s: want a validation error, got %v", o.file, err)
		}
	}

	if !v.Storage {
		return
	}
	if _, err := resource.Create(ctx, valid.obj, metav1.CreateOptions{}); err != nil {
		t.Fatalf("%s: create: %v", valid.file, err)
	}
	read, err := resource.Get(ctx, valid.obj.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("%s: read back: %v", valid.file, err)
	}
	if d := missingFrom(valid.obj.Object, read.Object, ""); d != "" {
		t.Errorf("%s: read back differs from what was sent: %s", valid.file, d)
	}
}

// checkDeprecationWarning asserts that a request in a deprecated version,
// and only then, got the version's deprecation warning.
func checkDeprecationWarning(t *testing.T, v apiextensionsv1.CustomResourceDefinitionVersion, got []string) {
	t.Helper()
	want := ""
	if v.DeprecationWarning != nil {
		want = *v.DeprecationWarning
	}
	found := false
	for _, w := range got {
		found = found || w == want
	}
	switch {
	case want != "" && !found:
		t.Errorf("%s: want the warning %q, got %q", v.Name, want, got)
	case want == "" && len(got) > 0:
		t.Errorf("%s: unexpected warnings %q", v.Name, got)
	}
}

// checkTestDataCoversVersions fails when the test data holds objects of a
// version the CRD does not have, so stale data cannot hide a dropped version.
func checkTestDataCoversVersions(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition) {
	versions, err := versionsWithObjects(crd.Name)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, v := range crd.Spec.Versions {
		have[v.Name] = true
	}
	for _, v := range versions {
		if !have[v] {
			t.Errorf("test data has objects of %s, which %s does not have", v, crd.Name)
		}
	}
}

func namespaced(client dynamic.NamespaceableResourceInterface, crd *apiextensionsv1.CustomResourceDefinition, ns string) dynamic.ResourceInterface {
	if crd.Spec.Scope == apiextensionsv1.ClusterScoped {
		return client
	}
	return client.Namespace(ns)
}

// waitEstablished watches the CRD until it is Established and NamesAccepted.
func waitEstablished(ctx context.Context, ext apiextensionsclient.Interface, name string) error {
	ctx, cancel := context.WithTimeout(ctx, establishTimeout)
	defer cancel()

	w, err := ext.ApiextensionsV1().CustomResourceDefinitions().Watch(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String(),
	})
	if err != nil {
		return fmt.Errorf("watch CRD %s: %w", name, err)
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		if ev.Type == watch.Error {
			return fmt.Errorf("watch CRD %s: %v", name, apierrors.FromObject(ev.Object))
		}
		crd, ok := ev.Object.(*apiextensionsv1.CustomResourceDefinition)
		if ok && condition(crd, apiextensionsv1.Established) && condition(crd, apiextensionsv1.NamesAccepted) {
			return nil
		}
	}
	return fmt.Errorf("CRD %s not established within %s", name, establishTimeout)
}

func condition(crd *apiextensionsv1.CustomResourceDefinition, t apiextensionsv1.CustomResourceDefinitionConditionType) bool {
	for _, c := range crd.Status.Conditions {
		if c.Type == t {
			return c.Status == apiextensionsv1.ConditionTrue
		}
	}
	return false
}
