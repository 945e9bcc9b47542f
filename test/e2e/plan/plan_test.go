package plan

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// TestCleanInstall plans into an empty cluster: every CRD would be
// created, nothing needs attention, and nothing is written, not even the
// webhook's TLS Secret.
func TestCleanInstall(t *testing.T) {
	ctx := setup(t)
	before := snapshot(ctx, t)

	plan, _ := runPlan(ctx, t, 0)
	b := bundle(t)
	if len(plan.CRDs) != len(b.Names()) {
		t.Fatalf("%d CRDs planned, want %d", len(plan.CRDs), len(b.Names()))
	}
	for _, c := range plan.CRDs {
		if c.Result != crds.ResultCreated || c.Attention || c.Comparison != crds.ComparisonDryRun {
			t.Errorf("%s: %s (attention %t, compared %q), want created by a dry run", c.Name, c.Result, c.Attention, c.Comparison)
		}
	}
	if plan.NeedsAttention {
		t.Errorf("a clean install needs attention")
	}
	checkUnchanged(t, before, snapshot(ctx, t))

	table := runTable(ctx, t, 0)
	if !strings.Contains(table.Stdout, fmt.Sprintf("%d created; nothing needs attention", len(b.Names()))) {
		t.Errorf("the table does not sum up a clean install:\n%s", table.Stdout)
	}
}

// TestAfterApply plans right after apply: every CRD is unchanged, and
// plan writes nothing.
func TestAfterApply(t *testing.T) {
	ctx := setup(t)
	apply(ctx, t)
	live := bundle(t).Get(trafficTargets)
	store(ctx, t, live, "v1alpha3", "bookstore", validTrafficTarget())
	before := snapshot(ctx, t, trafficTargets)

	plan, _ := runPlan(ctx, t, 0)
	for _, c := range plan.CRDs {
		if c.Result != crds.ResultUnchanged || c.Attention || c.Diff != nil || len(c.Facts) > 0 {
			t.Errorf("%s: %s (attention %t, diff %v, facts %v), want unchanged", c.Name, c.Result, c.Attention, c.Diff, c.Facts)
		}
	}
	checkUnchanged(t, before, snapshot(ctx, t, trafficTargets))
}

// TestObjectTheNewSchemaRefuses stores a TrafficTarget whose rule kind the
// live CRD allows and the bundle does not: plan names it, with the field
// error, and exits 2; the valid object is not named.
func TestObjectTheNewSchemaRefuses(t *testing.T) {
	ctx := setup(t)
	live := bundle(t).Get(trafficTargets)
	editSchema("v1alpha3", "spec.rules[].kind", addEnumValue("GRPCRoute"))(t, live)
	install(ctx, t, live)
	store(ctx, t, live, "v1alpha3", "bookstore", validTrafficTarget())
	grpc := validTrafficTarget()
	grpc["rules"] = append(grpc["rules"].([]any), map[string]any{"kind": "GRPCRoute", "name": "bookstore-grpc"})
	store(ctx, t, live, "v1alpha3", "grpc-target", grpc)
	before := snapshot(ctx, t, trafficTargets)

	plan, _ := runPlan(ctx, t, 2)
	o := crdPlan(t, plan, trafficTargets).Objects
	if o == nil || o.Error != "" || o.Version != "v1alpha3" || o.Checked != 2 {
		t.Fatalf("objects check %+v, want 2 checked in v1alpha3", o)
	}
	if len(o.Invalid) != 1 || o.Invalid[0].ID() != namespace+"/grpc-target" {
		t.Fatalf("invalid objects %+v, want only %s/grpc-target", o.Invalid, namespace)
	}
	if errs := strings.Join(o.Invalid[0].Errors, "; "); !strings.Contains(errs, `spec.rules[1].kind: Unsupported value: "GRPCRoute"`) {
		t.Errorf("errors %q do not name the refused field and value", errs)
	}

	table := runTable(ctx, t, 2)
	if !strings.Contains(table.Stdout, "! "+namespace+"/grpc-target: spec.rules[1].kind") {
		t.Errorf("the table does not name the object:\n%s", table.Stdout)
	}
	checkUnchanged(t, before, snapshot(ctx, t, trafficTargets))
}

// TestRemovedFieldInUse removes a nested field that a stored object uses:
// the fact needs attention, counts the object, and plan exits 2.
func TestRemovedFieldInUse(t *testing.T) {
	ctx := setup(t)
	live := bundle(t).Get(trafficTargets)
	editSchema("v1alpha3", "spec.rules[]", func(s *apiextensionsv1.JSONSchemaProps) {
		s.Properties["priority"] = apiextensionsv1.JSONSchemaProps{Type: "integer"}
	})(t, live)
	install(ctx, t, live)
	spec := validTrafficTarget()
	spec["rules"].([]any)[0].(map[string]any)["priority"] = int64(1)
	store(ctx, t, live, "v1alpha3", "prioritized", spec)

	plan, _ := runPlan(ctx, t, 2)
	c := crdPlan(t, plan, trafficTargets)
	f, ok := findFact(c.Facts, crds.Fact{Kind: crds.FactFieldRemoved, Version: "v1alpha3", Path: "spec.rules[].priority"})
	if !ok || !f.Attention || f.UsedBy == nil || *f.UsedBy != 1 {
		t.Errorf("removed field fact %+v (found %t), want attention and used by 1:\n%s", f, ok, formatFacts(c.Facts))
	}
	if c.Objects == nil || len(c.Objects.Invalid) != 0 {
		t.Errorf("objects %+v: a removed field is pruned, not refused", c.Objects)
	}
}

// TestLegacyOwner installs a CRD the way client-side kubectl apply does,
// with a short name and a label the bundle lacks. apply moves the legacy
// manager's fields to its own and so drops them; plan must show that,
// and the last-applied annotation going, without writing.
func TestLegacyOwner(t *testing.T) {
	ctx := setup(t)
	live := bundle(t).Get(trafficTargets)
	live.Spec.Names.ShortNames = append(live.Spec.Names.ShortNames, "legacy")
	live.Labels["release"] = "v1.1.3"
	live.Annotations[corev1.LastAppliedConfigAnnotation] = `{"kind":"CustomResourceDefinition"}`
	installAs(ctx, t, live, "kubectl-client-side-apply")
	before := snapshot(ctx, t)

	plan, _ := runPlan(ctx, t, 0)
	c := crdPlan(t, plan, trafficTargets)
	if c.Result != crds.ResultUpdated || c.Comparison != crds.ComparisonDryRun || c.Diff == nil {
		t.Fatalf("%s: %s by %q, want updated by a dry run with a diff", trafficTargets, c.Result, c.Comparison)
	}
	want := map[string]crds.DiffOp{
		`metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]`: crds.DiffRemoved,
		"metadata.labels.release": crds.DiffRemoved,
		"spec.names.shortNames":   crds.DiffChanged,
	}
	for _, l := range c.Diff.Lines {
		if op, ok := want[l.Path]; ok && op == l.Op {
			delete(want, l.Path)
		}
	}
	if len(want) > 0 {
		t.Errorf("the diff lacks %v:\n%+v", want, c.Diff.Lines)
	}
	if len(c.Conflicts) != 1 || !strings.HasPrefix(c.Conflicts[0], "kubectl-client-side-apply (Update)") {
		t.Errorf("conflicts %v, want the legacy manager", c.Conflicts)
	}
	checkUnchanged(t, before, snapshot(ctx, t))
}

func validTrafficTarget() map[string]any {
	return map[string]any{
		"destination": map[string]any{"kind": "ServiceAccount", "name": "bookstore", "namespace": namespace},
		"rules": []any{
			map[string]any{"kind": "HTTPRouteGroup", "name": "bookstore-service-routes", "matches": []any{"buy-a-book"}},
		},
		"sources": []any{map[string]any{"kind": "ServiceAccount", "name": "bookbuyer", "namespace": namespace}},
	}
}

// runTable runs plan with the default output.
func runTable(ctx context.Context, t *testing.T, wantCode int) framework.Run {
	t.Helper()
	run, err := framework.Exec(ctx, cp.Kubeconfig, append([]string{"plan"}, clusterArgs...)...)
	if err != nil {
		t.Fatal(err)
	}
	if run.Code != wantCode {
		t.Fatalf("plan: exit code %d, want %d\n%s\n%s", run.Code, wantCode, run.Stdout, run.Stderr)
	}
	return run
}

func apply(ctx context.Context, t *testing.T) {
	t.Helper()
	run, err := framework.Exec(ctx, cp.Kubeconfig, append([]string{"apply"}, clusterArgs...)...)
	if err != nil {
		t.Fatal(err)
	}
	if run.Code != 0 {
		t.Fatalf("apply: exit code %d\n%s", run.Code, run.Stderr)
	}
}
