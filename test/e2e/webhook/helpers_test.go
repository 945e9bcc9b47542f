package webhook

import (
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// testTimeout bounds each test.
const testTimeout = 3 * time.Minute

// withoutServerMetadata returns a copy of obj without what the API server
// adds to metadata.
func withoutServerMetadata(obj *unstructured.Unstructured) map[string]any {
	c := obj.DeepCopy()
	for _, f := range []string{"uid", "resourceVersion", "generation", "creationTimestamp", "managedFields"} {
		unstructured.RemoveNestedField(c.Object, "metadata", f)
	}
	return c.Object
}
