package framework

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
)

// The wait of CreateWhenServed.
const (
	// createPoll is how often a create answered NotFound is tried again.
	createPoll = 100 * time.Millisecond
	// createTimeout bounds those retries: a CRD just established is served
	// by every handler of the API server within a second or two.
	createTimeout = 10 * time.Second
)

// CreateWhenServed creates obj through resource, trying again while the
// API server answers NotFound, as it does for a while after a CRD is
// installed. Any other error ends it.
func CreateWhenServed(ctx context.Context, resource dynamic.NamespaceableResourceInterface,
	obj *unstructured.Unstructured) error {
	client := resource.Namespace(obj.GetNamespace())
	var createErr error
	err := wait.PollUntilContextTimeout(ctx, createPoll, createTimeout, true, func(ctx context.Context) (bool, error) {
		_, createErr = client.Create(ctx, obj, metav1.CreateOptions{})
		return !apierrors.IsNotFound(createErr), nil
	})
	if err != nil {
		return fmt.Errorf("create %s: %w (last: %v)", obj.GetName(), err, createErr)
	}
	if createErr != nil {
		return fmt.Errorf("create %s: %w", obj.GetName(), createErr)
	}
	return nil
}
