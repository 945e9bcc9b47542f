package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

const (
	// createWorkers is how many creates are in flight at once: enough to
	// keep the API server busy on two cores, not so many that they queue.
	createWorkers = 8
	// listPageSize is the page size of the benchmark's own lists.
	listPageSize = 1000
)

// splitResource is the TrafficSplit resource in version.
func splitResource(version string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: splitGroup, Version: version, Resource: splitPlural}
}

// unlimited is a copy of cfg without client-go's rate limit or deprecation
// warnings: the benchmark's own requests should not be what is slow.
func unlimited(cfg *rest.Config) *rest.Config {
	fast := rest.CopyConfig(cfg)
	fast.QPS, fast.Burst = -1, 0
	fast.WarningHandler = rest.NoWarnings{}
	fast.WarningHandlerWithContext = rest.NoWarnings{}
	return fast
}

// splitTemplate reads the test TrafficSplit of version.
func splitTemplate(version string) (*unstructured.Unstructured, error) {
	path := filepath.Join(framework.RepoRoot(), "test", "testdata", "objects", trafficSplits, version+".yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(data, &obj.Object); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	return obj, nil
}

// splitObject is a copy of template named split-i with a weight of its
// own; every fifth lives in otherNamespace, so the lists span namespaces.
func splitObject(template *unstructured.Unstructured, i int) *unstructured.Unstructured {
	obj := template.DeepCopy()
	obj.SetName(fmt.Sprintf("split-%05d", i))
	obj.SetNamespace(benchNamespace)
	if i%5 == 4 {
		obj.SetNamespace(otherNamespace)
	}
	backends, _, _ := unstructured.NestedSlice(obj.Object, "spec", "backends")
	if len(backends) > 0 {
		backends[0].(map[string]any)["weight"] = int64(i % 100)
		_ = unstructured.SetNestedSlice(obj.Object, backends, "spec", "backends")
	}
	return obj
}

// createSplits creates n TrafficSplits in version, createWorkers at once.
func createSplits(ctx context.Context, cfg *rest.Config, version string, n int) error {
	template, err := splitTemplate(version)
	if err != nil {
		return err
	}
	client, err := dynamic.NewForConfig(unlimited(cfg))
	if err != nil {
		return fmt.Errorf("build client: %w", err)
	}
	resource := client.Resource(splitResource(version))
	work := make(chan int)
	errs := make([]error, createWorkers)
	var wg sync.WaitGroup
	for w := range createWorkers {
		wg.Go(func() {
			for i := range work {
				if errs[w] == nil {
					errs[w] = framework.CreateWhenServed(ctx, resource, splitObject(template, i))
				}
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// resourceVersions lists every TrafficSplit in version, page by page, and
// returns the resourceVersion of each by namespace/name. Reading a version
// other than the stored one goes through the conversion webhook.
func resourceVersions(ctx context.Context, cfg *rest.Config, version string) (map[string]string, error) {
	client, err := metadata.NewForConfig(unlimited(cfg))
	if err != nil {
		return nil, fmt.Errorf("build client: %w", err)
	}
	out := map[string]string{}
	opts := metav1.ListOptions{Limit: listPageSize}
	for {
		page, err := client.Resource(splitResource(version)).List(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("list TrafficSplits in %s: %w", version, err)
		}
		for _, obj := range page.Items {
			out[obj.Namespace+"/"+obj.Name] = obj.ResourceVersion
		}
		if page.Continue == "" {
			return out, nil
		}
		opts.Continue = page.Continue
	}
}

// checkRewritten fails unless after holds the same n objects as before,
// each with a new resourceVersion: every one was written again, and so
// stored in the storage version.
func checkRewritten(before, after map[string]string, n int) error {
	if len(before) != n || len(after) != n {
		return fmt.Errorf("%d TrafficSplits before and %d after, want %d", len(before), len(after), n)
	}
	unchanged, missing := 0, 0
	for key, rv := range before {
		now, ok := after[key]
		switch {
		case !ok:
			missing++
		case now == rv:
			unchanged++
		}
	}
	if unchanged > 0 || missing > 0 {
		return fmt.Errorf("of %d TrafficSplits %d not rewritten (same resourceVersion), %d gone", n, unchanged, missing)
	}
	return nil
}
