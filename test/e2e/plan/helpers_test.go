package plan

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// testTimeout bounds each test.
const testTimeout = 3 * time.Minute

// readyTimeout bounds the wait for a CRD created by a test to serve its
// objects.
const readyTimeout = 30 * time.Second

// pollInterval is how often the helpers that wait look again.
const pollInterval = 100 * time.Millisecond

const namespace = framework.Namespace

// runPlan runs plan -o json and fails the test on another exit code than
// wantCode or on output that is not a plan.
func runPlan(ctx context.Context, t *testing.T, wantCode int, args ...string) (*crds.Plan, framework.Run) {
	t.Helper()
	return runPlanAs(ctx, t, cp.Kubeconfig, wantCode, args...)
}

// runPlanAs is runPlan with another kubeconfig.
func runPlanAs(ctx context.Context, t *testing.T, kubeconfig string, wantCode int, args ...string) (*crds.Plan, framework.Run) {
	t.Helper()
	full := append(append([]string{"plan", "-o", "json"}, clusterArgs...), args...)
	run, err := framework.Exec(ctx, kubeconfig, full...)
	if err != nil {
		t.Fatal(err)
	}
	if run.Code != wantCode {
		t.Fatalf("plan %v: exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", args, run.Code, wantCode, run.Stdout, run.Stderr)
	}
	plan := &crds.Plan{}
	if err := json.Unmarshal([]byte(run.Stdout), plan); err != nil {
		t.Fatalf("stdout is not a JSON plan: %v\n%s", err, run.Stdout)
	}
	return plan, run
}

// crdPlan returns the plan of the named CRD.
func crdPlan(t *testing.T, plan *crds.Plan, name string) crds.CRDPlan {
	t.Helper()
	for _, c := range plan.CRDs {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("the plan has no CRD %s", name)
	return crds.CRDPlan{}
}

// install creates a CRD as a test prepares it, with no field manager of
// ours, and waits until its objects can be listed.
func install(ctx context.Context, t *testing.T, crd *apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	installAs(ctx, t, crd, "test")
}

// installAs is install with the given field manager.
func installAs(ctx context.Context, t *testing.T, crd *apiextensionsv1.CustomResourceDefinition, manager string) {
	t.Helper()
	client := apiextensionsclient.NewForConfigOrDie(cp.Config).ApiextensionsV1().CustomResourceDefinitions()
	if _, err := client.Create(ctx, crd, metav1.CreateOptions{FieldManager: manager}); err != nil {
		t.Fatal(err)
	}
	storage, err := crds.StorageVersion(crd)
	if err != nil {
		t.Fatal(err)
	}
	resource := dynamic.NewForConfigOrDie(cp.Config).Resource(gvr(crd, storage))
	err = wait.PollUntilContextTimeout(ctx, pollInterval, readyTimeout, true, func(ctx context.Context) (bool, error) {
		_, err := resource.List(ctx, metav1.ListOptions{Limit: 1})
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("CRD %s not served: %v", crd.Name, err)
	}
}

func gvr(crd *apiextensionsv1.CustomResourceDefinition, version string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: crd.Spec.Group, Version: version, Resource: crd.Spec.Names.Plural}
}

// store creates a custom resource of crd in version, in osm-system.
func store(ctx context.Context, t *testing.T, crd *apiextensionsv1.CustomResourceDefinition, version, name string, spec map[string]any) {
	t.Helper()
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": crd.Spec.Group + "/" + version,
		"kind":       crd.Spec.Names.Kind,
		"metadata":   map[string]any{"name": name, "namespace": namespace},
		"spec":       spec,
	}}
	resource := dynamic.NewForConfigOrDie(cp.Config).Resource(gvr(crd, version)).Namespace(namespace)
	if _, err := resource.Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		t.Fatalf("store %s %s: %v", crd.Name, name, err)
	}
}

// snapshot records what plan must not change: the resourceVersion of
// every CRD, of the custom resources of the given CRDs, and of the
// osm-system Secrets.
func snapshot(ctx context.Context, t *testing.T, crdNames ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	live, err := framework.ListCRDs(ctx, cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	for name, crd := range live {
		out["crd "+name] = crd.ResourceVersion
	}
	client := dynamic.NewForConfigOrDie(cp.Config)
	for _, name := range crdNames {
		crd := live[name]
		storage, err := crds.StorageVersion(crd)
		if err != nil {
			t.Fatal(err)
		}
		list, err := client.Resource(gvr(crd, storage)).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range list.Items {
			out[name+" "+o.GetNamespace()+"/"+o.GetName()] = o.GetResourceVersion()
		}
	}
	secrets, err := kubernetes.NewForConfigOrDie(cp.Config).CoreV1().Secrets(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets.Items {
		out["secret "+s.Name] = s.ResourceVersion
	}
	return out
}

// checkUnchanged fails the test when anything in before changed or
// appeared.
func checkUnchanged(t *testing.T, before, after map[string]string) {
	t.Helper()
	for k, v := range after {
		if before[k] != v {
			t.Errorf("plan wrote: %s resourceVersion %q, before %q", k, v, before[k])
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			t.Errorf("plan deleted %s", k)
		}
	}
}

var clusterArgs = framework.WebhookArgs

// setup gives a test an empty cluster: no CRD, no custom resource, no
// webhook TLS Secret, and the osm-system namespace.
func setup(t *testing.T) context.Context {
	return framework.Reset(t, cp.Config, testTimeout)
}

func bundle(t *testing.T) *crds.Bundle { return framework.MustBundle(t) }
