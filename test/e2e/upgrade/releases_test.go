package upgrade

import (
	"context"
	"reflect"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// bootstrapUserAgent is what osm-edge v1.3.9's osm-bootstrap sent; with no
// field manager set, the server records its writes under "osm-bootstrap".
const bootstrapUserAgent = "osm-bootstrap/v1.3.9"

// installer writes the CRDs of one release, read from dir, as that release
// did.
type installer func(ctx context.Context, t *testing.T, dir string, crds []*apiextensionsv1.CustomResourceDefinition)

// step is one release installed on the way to the cluster being upgraded.
type step struct {
	release string
	install installer
}

// history is how a cluster came to be: the releases installed, in order.
type history struct {
	name  string
	steps []step
	// storedVersions are status.storedVersions the history leaves on some
	// CRDs: the case the upgrade must get right.
	storedVersions map[string][]string
}

const trafficSplits = "trafficsplits.split.smi-spec.io"

var histories = []history{
	{
		name:  "osm-edge v1.1.3 installed with kubectl apply",
		steps: []step{{"osm-edge-v1.1.3", kubectlApply}},
		// v1.1.3 stores TrafficSplits in v1alpha2, which the bundle keeps
		// but no longer stores in.
		storedVersions: map[string][]string{trafficSplits: {"v1alpha2"}},
	},
	{
		name:           "osm-edge v1.3.9 installed by its bootstrap",
		steps:          []step{{"osm-edge-v1.3.9", bootstrapUpdate}},
		storedVersions: map[string][]string{trafficSplits: {"v1alpha4"}},
	},
	{
		// A cluster upgraded in place: the CRDs keep v1.1.3's
		// last-applied-configuration and kubectl's fields beside v1.3.9's.
		name:           "osm-edge v1.1.3 upgraded to v1.3.9",
		steps:          []step{{"osm-edge-v1.1.3", kubectlApply}, {"osm-edge-v1.3.9", bootstrapUpdate}},
		storedVersions: map[string][]string{trafficSplits: {"v1alpha2", "v1alpha4"}},
	},
}

// kubectlApply installs as osm-edge v1.1.3's instructions did: client-side
// `kubectl apply -f` of the directory, which records the
// last-applied-configuration annotation under kubectl-client-side-apply.
func kubectlApply(ctx context.Context, t *testing.T, dir string, _ []*apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	if _, err := cp.Kubectl(ctx, "apply", "-f", dir); err != nil {
		t.Fatal(err)
	}
}

// bootstrapUpdate installs as osm-edge v1.3.9's osm-bootstrap did: Get, then
// Create or Update of the whole object.
func bootstrapUpdate(ctx context.Context, t *testing.T, _ string, crds []*apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	if err := framework.InstallLikeBootstrap(ctx, cp.Config, bootstrapUserAgent, crds); err != nil {
		t.Fatal(err)
	}
}

// installHistory installs every step of h and stores, after each, one custom
// resource for every CRD of that release that has none yet. It returns the
// objects as read back from the server.
func installHistory(ctx context.Context, t *testing.T, h history) []*storedObject {
	t.Helper()
	var stored []*storedObject
	have := map[string]bool{}
	for _, s := range h.steps {
		dir := framework.PreviousRelease(s.release)
		crds, err := framework.ReadCRDs(dir)
		if err != nil {
			t.Fatal(err)
		}
		s.install(ctx, t, dir, crds)
		if err := framework.WaitEstablished(ctx, cp.Config, framework.CRDNames(crds)); err != nil {
			t.Fatalf("%s: CRDs not established: %v", s.release, err)
		}
		for _, crd := range crds {
			if have[crd.Name] {
				continue
			}
			stored = append(stored, storeObject(ctx, t, s.release, crd))
			have[crd.Name] = true
		}
	}
	return readBack(ctx, t, stored)
}

// checkHistory checks that the cluster is in the state the history is known
// to leave, so that a case cannot pass by testing less than it says.
func checkHistory(t *testing.T, h history, live map[string]*apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	for name, want := range h.storedVersions {
		crd := live[name]
		if crd == nil {
			t.Fatalf("%s: the history did not install %s", h.name, name)
		}
		if got := crd.Status.StoredVersions; !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: %s stored versions %v, want %v", h.name, name, got, want)
		}
	}
}
