package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/certs"
	"github.com/flomesh-io/init-osm-bootstrap/test/controlplane"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

const (
	// benchNamespace is the control plane namespace, where most objects live.
	benchNamespace = "osm-system"
	// otherNamespace holds every fifth object.
	otherNamespace = "bench-other"
	// previousRelease is the osm-edge release the cluster is upgraded from.
	previousRelease = "osm-edge-v1.1.3"

	trafficSplits = "trafficsplits.split.smi-spec.io"
	splitGroup    = "split.smi-spec.io"
	splitPlural   = "trafficsplits"
	oldVersion    = "v1alpha2"
	newVersion    = "v1alpha4"
)

// upgraded is a cluster prepared for one round: n TrafficSplits stored in
// oldVersion under the previous release's CRDs, then the bundle applied
// with its conversion webhook running, so that newVersion is the storage
// version and storedVersions lists both.
type upgraded struct {
	webhook *webhookProcess
	// before is the resourceVersion of every object, read in newVersion
	// through the webhook (which also warms up that path for either method).
	before map[string]string
}

// upgrade empties the cluster and builds an upgraded one with n objects.
func upgrade(ctx context.Context, cp *controlplane.ControlPlane, bin string, n int) (*upgraded, error) {
	if err := reset(ctx, cp); err != nil {
		return nil, err
	}
	if err := installPrevious(ctx, cp); err != nil {
		return nil, err
	}
	if err := createSplits(ctx, cp.Config, oldVersion, n); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	if err := applyBundle(ctx, cp, bin, port); err != nil {
		return nil, err
	}
	w, err := startWebhook(ctx, bin, cp.Kubeconfig, port)
	if err != nil {
		return nil, err
	}
	u := &upgraded{webhook: w}
	if err := u.check(ctx, cp); err != nil {
		return nil, errors.Join(err, w.stop())
	}
	return u, nil
}

// check confirms the upgrade left storedVersions listing both versions and
// records every object's resourceVersion.
func (u *upgraded) check(ctx context.Context, cp *controlplane.ControlPlane) error {
	if err := checkStoredVersions(ctx, cp, oldVersion, newVersion); err != nil {
		return fmt.Errorf("after the upgrade: %w", err)
	}
	var err error
	u.before, err = resourceVersions(ctx, cp.Config, newVersion)
	return err
}

// reset deletes every CRD with its objects and the webhook TLS Secret, and
// makes sure both namespaces exist: each round starts alike.
func reset(ctx context.Context, cp *controlplane.ControlPlane) error {
	if err := framework.DeleteCRDsAndObjects(ctx, cp.Config); err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(cp.Config)
	if err != nil {
		return fmt.Errorf("build client: %w", err)
	}
	err = client.CoreV1().Secrets(benchNamespace).Delete(ctx, certs.SecretName, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete Secret %s: %w", certs.SecretName, err)
	}
	for _, name := range []string{benchNamespace, otherNamespace} {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		_, err := client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create namespace %s: %w", name, err)
		}
	}
	return nil
}

// installPrevious applies the previous release's CRDs with kubectl, as
// test/e2e/migrate does, and waits until they are served.
func installPrevious(ctx context.Context, cp *controlplane.ControlPlane) error {
	dir := framework.PreviousRelease(previousRelease)
	if _, err := cp.Kubectl(ctx, "apply", "-f", dir); err != nil {
		return err
	}
	old, err := framework.ReadCRDs(dir)
	if err != nil {
		return err
	}
	return framework.WaitEstablished(ctx, cp.Config, framework.CRDNames(old))
}

// applyBundle runs the binary's apply, pointing the CRDs at a webhook on
// port.
func applyBundle(ctx context.Context, cp *controlplane.ControlPlane, bin string, port int) error {
	_, err := timed(ctx, []string{bin, "apply", "--kubeconfig", cp.Kubeconfig, "--namespace", benchNamespace,
		"--webhook-url", fmt.Sprintf("https://127.0.0.1:%d", port), "--log-format", "json"})
	return err
}

// checkStoredVersions fails unless the TrafficSplit CRD's storedVersions
// are want.
func checkStoredVersions(ctx context.Context, cp *controlplane.ControlPlane, want ...string) error {
	got, err := storedVersions(ctx, cp)
	if err != nil {
		return err
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("%s stores %v, want %v", trafficSplits, got, want)
	}
	return nil
}

// storedVersions is the TrafficSplit CRD's status.storedVersions.
func storedVersions(ctx context.Context, cp *controlplane.ControlPlane) ([]string, error) {
	crd, err := framework.GetCRD(ctx, cp.Config, trafficSplits)
	if err != nil {
		return nil, fmt.Errorf("get CRD %s: %w", trafficSplits, err)
	}
	if crd == nil {
		return nil, fmt.Errorf("CRD %s not found", trafficSplits)
	}
	return crd.Status.StoredVersions, nil
}

// describe lists versions as "[a b]".
func describe(versions []string) string { return "[" + strings.Join(versions, " ") + "]" }
