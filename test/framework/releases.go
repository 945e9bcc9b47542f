package framework

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	crdclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset/typed/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
)

// establishTimeout bounds the wait for CRDs installed by a test to be served.
const establishTimeout = 30 * time.Second

// bootstrapReconcileLabel is the label osm-edge's bootstrap put on every CRD
// it wrote, set to whether its reconciler was enabled.
const bootstrapReconcileLabel = "openservicemesh.io/reconcile"

// PreviousRelease is the directory of the CRD manifests an earlier osm-edge
// release shipped, such as "osm-edge-v1.1.3".
func PreviousRelease(name string) string {
	return filepath.Join(RepoRoot(), "test", "testdata", "previous-releases", name)
}

// ReadCRDs decodes every CRD manifest (*.yaml) in dir, in file name order.
// Documents that hold only comments are skipped.
func ReadCRDs(dir string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	var out []*apiextensionsv1.CustomResourceDefinition
	for _, f := range files {
		crds, err := readCRDFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, crds...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no CRDs in %s", dir)
	}
	return out, nil
}

func readCRDFile(path string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), len(data))
	var out []*apiextensionsv1.CustomResourceDefinition
	for {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		err := dec.Decode(crd)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", path, err)
		}
		if crd.Name != "" {
			out = append(out, crd)
		}
	}
}

// CRDNames returns the names of crds.
func CRDNames(crds []*apiextensionsv1.CustomResourceDefinition) []string {
	names := make([]string, 0, len(crds))
	for _, crd := range crds {
		names = append(names, crd.Name)
	}
	return names
}

// InstallLikeBootstrap writes crds the way osm-edge's osm-bootstrap binary
// (v1.3.9) did on every start: it reads each CRD and creates it when missing,
// with the reconcile label and a last-applied-configuration annotation; an
// existing CRD gets the label, the manifest's spec and conversion None
// through an Update of the whole object. It sets no field manager, so the
// server names the manager after the client's user agent: pass the one the
// release sent, such as "osm-bootstrap/v1.3.9".
func InstallLikeBootstrap(ctx context.Context, cfg *rest.Config, userAgent string, crds []*apiextensionsv1.CustomResourceDefinition) error {
	agent := rest.CopyConfig(cfg)
	agent.UserAgent = userAgent
	ext, err := apiextensionsclient.NewForConfig(agent)
	if err != nil {
		return fmt.Errorf("build client: %w", err)
	}
	client := ext.ApiextensionsV1().CustomResourceDefinitions()
	for _, crd := range crds {
		if err := bootstrapOne(ctx, client, crd.DeepCopy()); err != nil {
			return err
		}
	}
	return nil
}

func bootstrapOne(ctx context.Context, client crdclient.CustomResourceDefinitionInterface, crd *apiextensionsv1.CustomResourceDefinition) error {
	if crd.Labels == nil {
		crd.Labels = map[string]string{}
	}
	crd.Labels[bootstrapReconcileLabel] = "false"

	live, err := client.Get(ctx, crd.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		if err := addLastApplied(crd); err != nil {
			return err
		}
		if _, err := client.Create(ctx, crd, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create CRD %s: %w", crd.Name, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("get CRD %s: %w", crd.Name, err)
	}

	if live.Labels == nil {
		live.Labels = map[string]string{}
	}
	live.Labels[bootstrapReconcileLabel] = "false"
	live.Spec = crd.Spec
	live.Spec.Conversion = &apiextensionsv1.CustomResourceConversion{Strategy: apiextensionsv1.NoneConverter}
	if _, err := client.Update(ctx, live, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update CRD %s: %w", crd.Name, err)
	}
	return nil
}

// addLastApplied records crd, as it is without the annotation, in the
// annotation client-side kubectl apply compares with.
func addLastApplied(crd *apiextensionsv1.CustomResourceDefinition) error {
	crd.APIVersion = apiextensionsv1.SchemeGroupVersion.String()
	crd.Kind = "CustomResourceDefinition"
	data, err := json.Marshal(crd)
	if err != nil {
		return fmt.Errorf("encode CRD %s: %w", crd.Name, err)
	}
	if crd.Annotations == nil {
		crd.Annotations = map[string]string{}
	}
	crd.Annotations[corev1.LastAppliedConfigAnnotation] = string(data)
	return nil
}

// WaitEstablished waits until every named CRD is Established, so that its
// custom resources can be written.
func WaitEstablished(ctx context.Context, cfg *rest.Config, names []string) error {
	client := apiextensionsclient.NewForConfigOrDie(cfg).ApiextensionsV1().CustomResourceDefinitions()
	return wait.PollUntilContextTimeout(ctx, pollInterval, establishTimeout, true, func(ctx context.Context) (bool, error) {
		for _, name := range names {
			crd, err := client.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			if !isEstablished(crd) {
				return false, nil
			}
		}
		return true, nil
	})
}

func isEstablished(crd *apiextensionsv1.CustomResourceDefinition) bool {
	for _, c := range crd.Status.Conditions {
		if c.Type == apiextensionsv1.Established {
			return c.Status == apiextensionsv1.ConditionTrue
		}
	}
	return false
}
