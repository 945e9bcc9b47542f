package framework

import (
	"context"
	"fmt"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
)

// pollInterval is how often helpers that wait for the server look again.
const pollInterval = 100 * time.Millisecond

// deleteTimeout bounds the wait for CRDs to be gone.
const deleteTimeout = 60 * time.Second

// DeleteAllCRDs deletes every CRD and waits until they are gone, so that
// the next test starts from an empty cluster. It is for clusters that hold
// no custom resources: a collection delete skips the cleanup that removes
// a CRD's objects, which then reappear with a CRD of the same name. Use
// DeleteCRDsAndObjects where objects were stored.
func DeleteAllCRDs(ctx context.Context, cfg *rest.Config) error {
	client := apiextensionsclient.NewForConfigOrDie(cfg).ApiextensionsV1().CustomResourceDefinitions()
	if err := client.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		return fmt.Errorf("delete CRDs: %w", err)
	}
	return wait.PollUntilContextTimeout(ctx, pollInterval, deleteTimeout, true, func(ctx context.Context) (bool, error) {
		list, err := client.List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		return len(list.Items) == 0, nil
	})
}

// GetCRD reads a CRD; nil when it does not exist.
func GetCRD(ctx context.Context, cfg *rest.Config, name string) (*apiextensionsv1.CustomResourceDefinition, error) {
	client := apiextensionsclient.NewForConfigOrDie(cfg).ApiextensionsV1().CustomResourceDefinitions()
	crd, err := client.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return crd, err
}

// ListCRDs returns every CRD by name.
func ListCRDs(ctx context.Context, cfg *rest.Config) (map[string]*apiextensionsv1.CustomResourceDefinition, error) {
	client := apiextensionsclient.NewForConfigOrDie(cfg).ApiextensionsV1().CustomResourceDefinitions()
	list, err := client.List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := map[string]*apiextensionsv1.CustomResourceDefinition{}
	for i := range list.Items {
		out[list.Items[i].Name] = &list.Items[i]
	}
	return out, nil
}
