package plan

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/kube"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// reader is a user who may read everything and write nothing.
const reader = "plan-reader"

// TestDryRunForbidden runs plan as a user who may not write CRDs, so
// that every dry run is refused with 403: plan compares locally, says so,
// still finds the facts, and does not wait out the retry window meant for
// permissions that arrive late.
func TestDryRunForbidden(t *testing.T) {
	ctx := setup(t)
	live := bundle(t).Get(trafficTargets)
	editSchema("v1alpha3", "spec.rules[].kind", addEnumValue("GRPCRoute"))(t, live)
	install(ctx, t, live)
	kubeconfig := readerKubeconfig(ctx, t)

	start := time.Now()
	plan, run := runPlanAs(ctx, t, kubeconfig, 2)
	if took := time.Since(start); took > kube.DefaultAuthWindow/2 {
		t.Errorf("plan took %s: the 403 was retried", took)
	}
	for _, c := range plan.CRDs {
		if c.Comparison != crds.ComparisonLocal {
			t.Errorf("%s: compared %q, want local", c.Name, c.Comparison)
		}
	}
	c := crdPlan(t, plan, trafficTargets)
	if _, ok := findFact(c.Facts, crds.Fact{Kind: crds.FactEnumNarrowed, Version: "v1alpha3", Path: "spec.rules[].kind"}); !ok || c.Result != crds.ResultUpdated {
		t.Errorf("%s: %s with facts\n%s\nwant updated with the narrowed enum", trafficTargets, c.Result, formatFacts(c.Facts))
	}
	if n := len(run.Find("dry run forbidden: comparing locally", nil)); n != len(plan.CRDs) {
		t.Errorf("%d CRDs logged the fallback, want all %d", n, len(plan.CRDs))
	}

	table, err := framework.Exec(ctx, kubeconfig, append([]string{"plan"}, clusterArgs...)...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.Stdout, "compared locally: the dry run was forbidden") {
		t.Errorf("the table does not say the comparison was local:\n%s", table.Stdout)
	}
}

// readerKubeconfig grants reader read access to everything and returns a
// kubeconfig that acts as reader.
func readerKubeconfig(ctx context.Context, t *testing.T) string {
	t.Helper()
	client := kubernetes.NewForConfigOrDie(cp.Config).RbacV1()
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: reader},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"get", "list", "watch"}}},
	}
	if _, err := client.ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: reader},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: reader},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: reader}},
	}
	if _, err := client.ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}

	cfg, err := clientcmd.LoadFromFile(cp.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, user := range cfg.AuthInfos {
		user.Impersonate = reader
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}
