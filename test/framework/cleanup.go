package framework

import (
	"context"
	"errors"
	"fmt"
	"sync"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	crdclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset/typed/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// cleanupQPS and cleanupBurst let the cleanup of a test's many CRDs run at
// once instead of queueing behind client-go's default rate limit.
const (
	cleanupQPS   = 100
	cleanupBurst = 200
)

// noConversion turns a CRD's conversion webhook off.
const noConversion = `{"spec":{"conversion":{"strategy":"None","webhook":null}}}`

// DeleteCRDsAndObjects deletes every custom resource, then every CRD, and
// waits until they are gone, so that the next test starts from an empty
// cluster even when it stored objects.
//
// DeleteAllCRDs alone is not enough then: a DeleteCollection of CRDs skips
// the cleanup finalizer that a single Delete adds, so the custom resources
// stay in etcd and come back when a CRD of the same name is created. Nor is
// that finalizer used: here it was seen to stall for minutes after finding
// the CRD's storage still initializing. Listing objects stored in
// a version other than the one listed needs the conversion webhook, which is
// not running, so the webhook is turned off first.
func DeleteCRDsAndObjects(ctx context.Context, cfg *rest.Config) error {
	crds := apiextensionsclient.NewForConfigOrDie(cfg).ApiextensionsV1().CustomResourceDefinitions()
	list, err := crds.List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list CRDs: %w", err)
	}
	// All webhooks first: the server then rebuilds the storages at once.
	for i := range list.Items {
		if err := turnOffConversion(ctx, crds, &list.Items[i]); err != nil {
			return err
		}
	}
	if err := deleteAllObjects(ctx, cfg, list.Items); err != nil {
		return err
	}
	return DeleteAllCRDs(ctx, cfg)
}

func turnOffConversion(ctx context.Context, client crdclient.CustomResourceDefinitionInterface, crd *apiextensionsv1.CustomResourceDefinition) error {
	if conv := crd.Spec.Conversion; conv == nil || conv.Strategy != apiextensionsv1.WebhookConverter {
		return nil
	}
	_, err := client.Patch(ctx, crd.Name, types.MergePatchType, []byte(noConversion), metav1.PatchOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("turn off conversion of CRD %s: %w", crd.Name, err)
	}
	return nil
}

// deleteAllObjects deletes the objects of every CRD, all CRDs at once: the
// server builds a CRD's storage on its first request and answers "retry
// after a second" meanwhile, which one CRD after the other would add up.
func deleteAllObjects(ctx context.Context, cfg *rest.Config, crds []apiextensionsv1.CustomResourceDefinition) error {
	fast := rest.CopyConfig(cfg)
	fast.QPS, fast.Burst = cleanupQPS, cleanupBurst
	client, err := dynamic.NewForConfig(fast)
	if err != nil {
		return fmt.Errorf("build client: %w", err)
	}
	errs := make([]error, len(crds))
	var wg sync.WaitGroup
	for i := range crds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = deleteObjects(ctx, client, &crds[i])
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// deleteObjects deletes every object of crd and waits until none is left.
// Errors while the server rebuilds the CRD's storage are waited out.
func deleteObjects(ctx context.Context, client dynamic.Interface, crd *apiextensionsv1.CustomResourceDefinition) error {
	gvr, ok := listedResource(crd)
	if !ok || !isEstablished(crd) {
		// Without a served version or before it is established, a CRD
		// holds no objects.
		return nil
	}
	var lastErr error
	err := wait.PollUntilContextTimeout(ctx, pollInterval, deleteTimeout, true, func(ctx context.Context) (bool, error) {
		var left int
		left, lastErr = deleteListed(ctx, client.Resource(gvr))
		return lastErr == nil && left == 0, nil
	})
	if err != nil {
		return fmt.Errorf("delete the objects of CRD %s: %w (last: %v)", crd.Name, err, lastErr)
	}
	return nil
}

// deleteListed deletes the objects a list returns and tells how many it
// found.
func deleteListed(ctx context.Context, client dynamic.NamespaceableResourceInterface) (int, error) {
	list, err := client.List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, err
	}
	for _, obj := range list.Items {
		err := client.Namespace(obj.GetNamespace()).Delete(ctx, obj.GetName(), metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return 0, err
		}
	}
	return len(list.Items), nil
}

// listedResource is the resource of a served version, the storage version
// when it is served.
func listedResource(crd *apiextensionsv1.CustomResourceDefinition) (schema.GroupVersionResource, bool) {
	var found *apiextensionsv1.CustomResourceDefinitionVersion
	for i := range crd.Spec.Versions {
		v := &crd.Spec.Versions[i]
		if v.Served && (found == nil || v.Storage) {
			found = v
		}
	}
	if found == nil {
		return schema.GroupVersionResource{}, false
	}
	return schema.GroupVersionResource{Group: crd.Spec.Group, Version: found.Name, Resource: crd.Spec.Names.Plural}, true
}
