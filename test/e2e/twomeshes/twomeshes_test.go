package twomeshes

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

const (
	trafficTargets = "traffictargets.access.smi-spec.io"
	// storage is the version the bundle stores TrafficTargets in; reads in
	// the others need the webhook.
	storage = "v1alpha3"
	// readTimeout bounds the wait for a converted read to succeed after
	// the conversion stanza or its webhook changed.
	readTimeout = 30 * time.Second
)

// converted are the TrafficTarget versions whose reads the webhook serves.
var converted = []string{"v1alpha1", "v1alpha2"}

// TestSecondMeshKeepsTheOwnersWebhook runs two meshes, each with its own
// namespace, CA and webhook. mesh-b's apply leaves the stanza mesh-a's
// wrote and says so; reads in other versions than the stored one go
// through mesh-a's webhook alone, also with mesh-b's stopped. Then
// --take-over-conversion in mesh-b points the CRDs at its webhook and CA,
// and reads keep working with mesh-a's webhook stopped.
func TestSecondMeshKeepsTheOwnersWebhook(t *testing.T) {
	ctx := framework.Reset(t, cp.Config, testTimeout)
	a, b := newMesh(ctx, t, "mesh-a"), newMesh(ctx, t, "mesh-b")
	a.apply(ctx, t)
	a.start(ctx, t)
	obj := storeTarget(ctx, t)
	waitRead(ctx, t, obj)

	run := b.apply(ctx, t)
	for _, crd := range multiVersionCRDs(t) {
		if len(run.Find("CRD conversion left to its owner", map[string]any{"crd": crd, "owner": a.owner()})) != 1 {
			t.Errorf("mesh-b's apply did not say it left %s to %s:\n%s", crd, a.owner(), run.Stderr)
		}
	}
	caA, caB := a.ca(ctx, t), b.ca(ctx, t)
	if bytes.Equal(caA, caB) {
		t.Fatal("both meshes have the same CA: the test could not tell their webhooks apart")
	}
	checkStanza(ctx, t, a, caA)
	b.start(ctx, t)

	fromA, fromB := a.reviews(t, trafficTargets), b.reviews(t, trafficTargets)
	readEveryVersion(ctx, t, obj)
	if got := a.reviews(t, trafficTargets); got < fromA+float64(len(converted)) {
		t.Errorf("mesh-a's webhook served %v reviews, want at least %d more than %v", got, len(converted), fromA)
	}
	if got := b.reviews(t, trafficTargets); got != fromB {
		t.Errorf("mesh-b's webhook served %v reviews, want none more than %v: it is not the owner", got, fromB)
	}
	b.stop(t)
	readEveryVersion(ctx, t, obj)

	b.start(ctx, t)
	b.apply(ctx, t, "--take-over-conversion")
	checkStanza(ctx, t, b, caB)
	a.stop(t)
	took := waitRead(ctx, t, obj)
	t.Logf("take-over: first converted read through mesh-b's webhook %s after apply returned (mesh-a's stopped meanwhile)", took)
	fromB = b.reviews(t, trafficTargets)
	readEveryVersion(ctx, t, obj)
	if got := b.reviews(t, trafficTargets); got < fromB+float64(len(converted)) {
		t.Errorf("mesh-b's webhook served %v reviews, want at least %d more than %v", got, len(converted), fromB)
	}
}

// TestHandOverAfterTheOwnerIsRemoved removes the owning mesh's namespace,
// webhook and Secret: reads in the stored version keep working, the others
// fail with the API server's conversion error. The documented hand-over
// then recovers, in the order a rolling upgrade runs it (apply in the init
// container, then the webhook): the test logs how long converted reads
// fail after apply has switched the stanza.
func TestHandOverAfterTheOwnerIsRemoved(t *testing.T) {
	ctx := framework.Reset(t, cp.Config, testTimeout)
	// Without kube-controller-manager a deleted namespace stays
	// Terminating: a fresh name lets the test run again.
	a := newMesh(ctx, t, fmt.Sprintf("removed-%d", time.Now().UnixNano()%1e6))
	b := newMesh(ctx, t, "heir")
	a.apply(ctx, t)
	a.start(ctx, t)
	obj := storeTarget(ctx, t)
	waitRead(ctx, t, obj)
	b.apply(ctx, t)
	checkStanza(ctx, t, a, a.ca(ctx, t))

	a.stop(t)
	a.deleteSecret(ctx, t)
	if err := kubernetes.NewForConfigOrDie(cp.Config).CoreV1().Namespaces().Delete(ctx, a.namespace, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := get(ctx, obj, storage); err != nil {
		t.Errorf("owner gone: get in the stored version %s: %v", storage, err)
	}
	wantConversionError(ctx, t, obj, "owner gone")

	start := time.Now()
	b.apply(ctx, t, "--take-over-conversion")
	applied := time.Since(start)
	checkStanza(ctx, t, b, b.ca(ctx, t))
	wantConversionError(ctx, t, obj, "stanza switched, no webhook yet")
	b.start(ctx, t)
	ready := time.Since(start)
	took := waitRead(ctx, t, obj)
	t.Logf("hand-over: apply took %s; webhook ready %s after apply started; first converted read %s after that (%s after apply started)",
		applied.Round(time.Millisecond), ready.Round(time.Millisecond), took.Round(time.Millisecond),
		(ready + took).Round(time.Millisecond))
	readEveryVersion(ctx, t, obj)
	if b.reviews(t, trafficTargets) < float64(len(converted)) {
		t.Errorf("mesh-b's webhook did not serve the reads")
	}
}

// multiVersionCRDs names the bundled CRDs that have a conversion stanza.
func multiVersionCRDs(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, crd := range framework.MustBundle(t).CRDs() {
		if len(crd.Spec.Versions) > 1 {
			out = append(out, crd.Name)
		}
	}
	if len(out) == 0 {
		t.Fatal("the bundle has no multi-version CRD")
	}
	return out
}

// checkStanza checks that every multi-version CRD converts through m's
// webhook, trusting ca, and names m as its owner.
func checkStanza(ctx context.Context, t *testing.T, m *mesh, ca []byte) {
	t.Helper()
	live := framework.MustListCRDs(ctx, t, cp.Config)
	for _, name := range multiVersionCRDs(t) {
		crd := live[name]
		if got := crd.Annotations[crds.ConversionOwnerAnnotation]; got != m.owner() {
			t.Errorf("%s: conversion owner %q, want %q", name, got, m.owner())
		}
		conv := crd.Spec.Conversion
		if conv == nil || conv.Webhook == nil || conv.Webhook.ClientConfig == nil || conv.Webhook.ClientConfig.URL == nil {
			t.Errorf("%s: conversion %+v, want a webhook URL", name, conv)
			continue
		}
		if got := *conv.Webhook.ClientConfig.URL; got != m.url(name) {
			t.Errorf("%s: webhook %s, want %s", name, got, m.url(name))
		}
		if !bytes.Equal(conv.Webhook.ClientConfig.CABundle, ca) {
			t.Errorf("%s: the caBundle is not the CA of %s", name, m.namespace)
		}
	}
}

// storeTarget creates the test TrafficTarget in the stored version.
func storeTarget(ctx context.Context, t *testing.T) *unstructured.Unstructured {
	t.Helper()
	obj := framework.TestObject(t, trafficTargets, storage+".yaml")
	client := objectClient().Resource(resource(storage)).Namespace(obj.GetNamespace())
	if _, err := client.Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		t.Fatalf("store %s: %v", obj.GetName(), err)
	}
	return obj
}

// objectClient reaches the custom resources without logging the server's
// deprecation warnings: reading old versions is the point here.
func objectClient() dynamic.Interface { return framework.QuietClient(cp.Config) }

func resource(version string) schema.GroupVersionResource {
	return framework.Resource(trafficTargets, version)
}

// get reads obj in version; a get reads etcd and converts each time,
// where a list may be answered from the watch cache.
func get(ctx context.Context, obj *unstructured.Unstructured, version string) (*unstructured.Unstructured, error) {
	client := objectClient().Resource(resource(version)).Namespace(obj.GetNamespace())
	return client.Get(ctx, obj.GetName(), metav1.GetOptions{})
}

// waitRead waits until obj reads in every converted version and returns
// how long that took.
func waitRead(ctx context.Context, t *testing.T, obj *unstructured.Unstructured) time.Duration {
	t.Helper()
	start := time.Now()
	var err error
	for time.Since(start) < readTimeout {
		if err = readConverted(ctx, obj); err == nil {
			return time.Since(start)
		}
		time.Sleep(pollInterval)
	}
	t.Fatalf("no converted read after %s: %v", readTimeout, err)
	return 0
}

func readConverted(ctx context.Context, obj *unstructured.Unstructured) error {
	for _, v := range converted {
		got, err := get(ctx, obj, v)
		if err != nil {
			return fmt.Errorf("get as %s: %w", v, err)
		}
		if want := "access.smi-spec.io/" + v; got.GetAPIVersion() != want {
			return fmt.Errorf("get as %s: apiVersion %s", v, got.GetAPIVersion())
		}
	}
	return nil
}

// readEveryVersion gets and lists obj in every served version, and fails
// the test on any error.
func readEveryVersion(ctx context.Context, t *testing.T, obj *unstructured.Unstructured) {
	t.Helper()
	if err := readConverted(ctx, obj); err != nil {
		t.Error(err)
	}
	if _, err := get(ctx, obj, storage); err != nil {
		t.Errorf("get as %s: %v", storage, err)
	}
	for _, v := range append([]string{storage}, converted...) {
		if _, err := objectClient().Resource(resource(v)).List(ctx, metav1.ListOptions{}); err != nil {
			t.Errorf("list as %s: %v", v, err)
		}
	}
}

// wantConversionError checks that a get in a converted version fails
// because the API server cannot reach the webhook.
func wantConversionError(ctx context.Context, t *testing.T, obj *unstructured.Unstructured, when string) {
	t.Helper()
	_, err := get(ctx, obj, converted[0])
	if err == nil || !strings.Contains(err.Error(), "conversion webhook") {
		t.Errorf("%s: get as %s: %v, want the API server's conversion webhook error", when, converted[0], err)
	}
}
