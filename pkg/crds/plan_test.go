package crds

import (
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset/typed/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/version"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/kube"
)

// dryRunServer is a fake CRD client: List returns the live CRDs; a
// dry-run apply or update returns the CRD sent, with the defaults the
// server would add and the live object's metadata. Any write that is not
// a dry run fails the test.
type dryRunServer struct {
	apiextensionsclient.CustomResourceDefinitionInterface
	t    *testing.T
	live []apiextensionsv1.CustomResourceDefinition
	// forbid answers every dry run with 403.
	forbid bool
}

func (s *dryRunServer) List(context.Context, metav1.ListOptions) (*apiextensionsv1.CustomResourceDefinitionList, error) {
	return &apiextensionsv1.CustomResourceDefinitionList{Items: s.live}, nil
}

func (s *dryRunServer) Patch(_ context.Context, name string, pt types.PatchType, body []byte, opts metav1.PatchOptions,
	_ ...string) (*apiextensionsv1.CustomResourceDefinition, error) {
	s.checkDryRun(opts.DryRun)
	if pt != types.ApplyPatchType {
		s.t.Errorf("patch of type %s, want only dry-run applies", pt)
	}
	if s.forbid {
		return nil, apierrors.NewForbidden(schema.GroupResource{Resource: "customresourcedefinitions"}, name, nil)
	}
	sent := &apiextensionsv1.CustomResourceDefinition{}
	if err := json.Unmarshal(body, sent); err != nil {
		s.t.Fatal(err)
	}
	return s.answer(sent), nil
}

func (s *dryRunServer) Update(_ context.Context, crd *apiextensionsv1.CustomResourceDefinition, opts metav1.UpdateOptions) (
	*apiextensionsv1.CustomResourceDefinition, error) {
	s.checkDryRun(opts.DryRun)
	return s.answer(crd.DeepCopy()), nil
}

func (s *dryRunServer) checkDryRun(dryRun []string) {
	if len(dryRun) != 1 || dryRun[0] != metav1.DryRunAll {
		s.t.Errorf("a write with dryRun %v: plan must write nothing", dryRun)
	}
}

// answer is what the server would hold: sent with server defaults and,
// for an existing CRD, its metadata, labels and annotations merged.
func (s *dryRunServer) answer(sent *apiextensionsv1.CustomResourceDefinition) *apiextensionsv1.CustomResourceDefinition {
	apiextensionsv1.SetObjectDefaults_CustomResourceDefinition(sent)
	for _, l := range s.live {
		if l.Name == sent.Name {
			out := mergedOnto(&l, sent, nil)
			return out
		}
	}
	return sent
}

// planBundle holds the CRDs of the plan test, sorted by name.
func planBundle(t *testing.T, names ...string) *Bundle {
	t.Helper()
	sort.Strings(names)
	b := &Bundle{}
	for _, n := range names {
		crd := probeCRD(t)
		crd.Name = n + ".example.com"
		crd.Spec.Names.Plural = n
		b.crds = append(b.crds, crd)
	}
	return b
}

var planVersion = version.MustParseSemantic("1.4.0")

// installed returns the CRD as apply would have left it: the server's
// answer to the bundle's CRD.
func installed(t *testing.T, bundled *apiextensionsv1.CustomResourceDefinition) apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	d, err := desiredCRD(bundled, planVersion.String(), Conversion{Strategy: ConversionNone})
	if err != nil {
		t.Fatal(err)
	}
	crd := d.crd.DeepCopy()
	apiextensionsv1.SetObjectDefaults_CustomResourceDefinition(crd)
	crd.ResourceVersion = "7"
	crd.Status.StoredVersions = []string{"v1"}
	return *crd
}

func newPlanner(server *dryRunServer, objects *pagedObjects, retry Retrier) *Planner {
	p := &Planner{
		Client: server, Log: zap.NewNop(), Retry: retry,
		Options: Options{BundleVersion: planVersion, Conversion: Conversion{Strategy: ConversionNone}},
	}
	if objects != nil {
		p.Objects = fakeDynamic{res: objects}
	}
	return p
}

// planFixture is a bundle of five CRDs and a cluster where apply would
// create alphas, leave betas unchanged, update gammas (whose live schema
// has spec.legacy, used by a stored object, and spec.mode without its
// enum), refuse deltas (objects stored in v0) and skip epsilons (newer).
func planFixture(t *testing.T) (*Bundle, *dryRunServer, *pagedObjects) {
	b := planBundle(t, "alphas", "betas", "gammas", "deltas", "epsilons")
	betas := installed(t, b.Get("betas.example.com"))
	gammas := installed(t, b.Get("gammas.example.com"))
	spec := gammas.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]
	spec.Properties["legacy"] = apiextensionsv1.JSONSchemaProps{Type: "string"}
	mode := spec.Properties["mode"]
	mode.Enum = append(mode.Enum, apiextensionsv1.JSON{Raw: []byte(`"reckless"`)})
	spec.Properties["mode"] = mode
	gammas.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"] = spec
	deltas := installed(t, b.Get("deltas.example.com"))
	deltas.Status.StoredVersions = []string{"v0", "v1"}
	epsilons := installed(t, b.Get("epsilons.example.com"))
	epsilons.Annotations[BundleVersionAnnotation] = "99.0.0"

	server := &dryRunServer{t: t, live: []apiextensionsv1.CustomResourceDefinition{betas, gammas, deltas, epsilons}}
	objects := &pagedObjects{objects: []*unstructured.Unstructured{
		probe("old", map[string]any{"mode": "fast", "legacy": "kept"}),
		probe("wild", map[string]any{"mode": "reckless"}),
	}}
	return b, server, objects
}

func TestPlan(t *testing.T) {
	b, server, objects := planFixture(t)
	plan, err := newPlanner(server, objects, noRetry).Plan(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]CRDPlan{}
	for _, c := range plan.CRDs {
		got[strings.TrimSuffix(c.Name, ".example.com")] = c
	}
	want := map[string]struct {
		result    Result
		attention bool
	}{
		"alphas":   {ResultCreated, false},
		"betas":    {ResultUnchanged, false},
		"gammas":   {ResultUpdated, true},
		"deltas":   {ResultRefused, true},
		"epsilons": {ResultSkipped, false},
	}
	for name, w := range want {
		if c := got[name]; c.Result != w.result || c.Attention != w.attention {
			t.Errorf("%s: %s (attention %t), want %s (attention %t); reason %q", name, c.Result, c.Attention, w.result, w.attention, c.Reason)
		}
	}
	if !plan.NeedsAttention || plan.BundleVersion != "1.4.0" {
		t.Errorf("plan: needsAttention %t, bundle %s", plan.NeedsAttention, plan.BundleVersion)
	}
	checkGammas(t, got["gammas"])
	if r := got["deltas"].Reason; !strings.Contains(r, "v0") || !strings.Contains(r, "migrate") {
		t.Errorf("deltas: reason %q, want the stored version and the remedy", r)
	}
	if c := got["alphas"]; c.Comparison != ComparisonDryRun || len(c.Facts) != 1 || c.Facts[0].Kind != FactVersionAdded {
		t.Errorf("alphas: compared %q with facts %v, want a dry run adding v1", c.Comparison, c.Facts)
	}
}

// checkGammas checks the updated CRD: its diff, the removed field in use
// and the stored object the narrowed enum refuses.
func checkGammas(t *testing.T, c CRDPlan) {
	t.Helper()
	if c.Diff == nil || len(c.Diff.Lines) == 0 {
		t.Fatalf("gammas: no diff")
	}
	var removed bool
	for _, l := range c.Diff.Lines {
		removed = removed || (l.Op == DiffRemoved && strings.HasSuffix(l.Path, "properties.legacy.type"))
	}
	if !removed {
		t.Errorf("gammas: the diff %+v does not remove spec.legacy", c.Diff.Lines)
	}
	var legacy *PlanFact
	for i := range c.Facts {
		if c.Facts[i].Kind == FactFieldRemoved && c.Facts[i].Path == "spec.legacy" {
			legacy = &c.Facts[i]
		}
	}
	if legacy == nil || !legacy.Attention || legacy.UsedBy == nil || *legacy.UsedBy != 1 {
		t.Errorf("gammas: removed field fact %+v, want attention and used by 1", legacy)
	}
	o := c.Objects
	if o == nil || o.Checked != 2 || len(o.Invalid) != 1 || o.Invalid[0].ID() != "default/wild" {
		t.Fatalf("gammas: objects %+v, want 2 checked and default/wild invalid", o)
	}
	if !strings.Contains(o.Invalid[0].Errors[0], `spec.mode: Unsupported value: "reckless"`) {
		t.Errorf("gammas: error %q", o.Invalid[0].Errors[0])
	}
}

// TestPlanFallsBackWhenDryRunIsForbidden answers every dry run with 403:
// plan compares locally, says so, and does not wait out the retrier's
// window for permissions that arrive late.
func TestPlanFallsBackWhenDryRunIsForbidden(t *testing.T) {
	b, server, objects := planFixture(t)
	server.forbid = true
	retry := func(ctx context.Context, op string, fn func(context.Context) error) error {
		return kube.Retry(ctx, zap.NewNop(), op, kube.DefaultBackoff(), fn)
	}
	start := time.Now()
	plan, err := newPlanner(server, objects, retry).Plan(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > kube.DefaultAuthWindow/2 {
		t.Errorf("plan took %s: the 403 was retried", took)
	}
	for _, c := range plan.CRDs {
		if c.Result != ResultSkipped && c.Comparison != ComparisonLocal {
			t.Errorf("%s: compared %q, want local", c.Name, c.Comparison)
		}
		// Client-side defaults match the server's here: no false change.
		if c.Name == "betas.example.com" && c.Result != ResultUnchanged {
			t.Errorf("betas: %s locally, want unchanged; diff %+v", c.Result, c.Diff)
		}
		if c.Name == "gammas.example.com" && (c.Result != ResultUpdated || !c.Attention) {
			t.Errorf("gammas: %s (attention %t) locally, want updated with attention", c.Result, c.Attention)
		}
	}
}

func TestNeedsAttention(t *testing.T) {
	used := 0
	cases := []struct {
		name string
		plan CRDPlan
		want bool
	}{
		{name: "unchanged", plan: CRDPlan{Result: ResultUnchanged}},
		{name: "created", plan: CRDPlan{Result: ResultCreated, Facts: []PlanFact{{Fact: Fact{Kind: FactVersionAdded}}}}},
		{name: "refused", plan: CRDPlan{Result: ResultRefused}, want: true},
		{name: "skipped, whatever it holds", plan: CRDPlan{Result: ResultSkipped, Facts: []PlanFact{{Fact: Fact{Attention: true}}}}},
		{name: "fact with attention", plan: CRDPlan{Result: ResultUpdated, Facts: []PlanFact{{Fact: Fact{Attention: true}}}}, want: true},
		{name: "removed field unused", plan: CRDPlan{Result: ResultUpdated, Facts: []PlanFact{{Fact: Fact{AttentionIfUsed: true}, UsedBy: &used}}}},
		{name: "invalid object", plan: CRDPlan{Result: ResultUpdated, Objects: &ObjectCheck{Invalid: []InvalidObject{{Name: "x"}}}}, want: true},
		{name: "invalid objects beyond the cap", plan: CRDPlan{Result: ResultUpdated, Objects: &ObjectCheck{InvalidOmitted: 1}}, want: true},
		{name: "objects not checked", plan: CRDPlan{Result: ResultUpdated, Objects: &ObjectCheck{Error: "forbidden"}}, want: true},
		{name: "objects need no check", plan: CRDPlan{Result: ResultUpdated, Objects: &ObjectCheck{NotChecked: "same schema"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.plan.needsAttention(); got != tc.want {
				t.Errorf("needsAttention = %t, want %t", got, tc.want)
			}
		})
	}
}

func TestResolveFacts(t *testing.T) {
	removed := Fact{Kind: FactFieldRemoved, Path: "spec.legacy", AttentionIfUsed: true}
	other := Fact{Kind: FactVersionAdded}
	cases := []struct {
		name          string
		objects       *ObjectCheck
		wantAttention bool
		wantUsedBy    int // -1: not set
	}{
		{name: "used", objects: &ObjectCheck{used: map[string]int{"spec.legacy": 2}}, wantAttention: true, wantUsedBy: 2},
		{name: "unused", objects: &ObjectCheck{used: map[string]int{}}, wantUsedBy: 0},
		{name: "objects not checked", objects: &ObjectCheck{Error: "forbidden"}, wantAttention: true, wantUsedBy: -1},
		{name: "no check at all", wantAttention: true, wantUsedBy: -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := resolveFacts([]Fact{removed, other}, tc.objects)
			if got[0].Attention != tc.wantAttention {
				t.Errorf("attention = %t, want %t", got[0].Attention, tc.wantAttention)
			}
			switch {
			case tc.wantUsedBy < 0 && got[0].UsedBy != nil:
				t.Errorf("usedBy = %d, want unset", *got[0].UsedBy)
			case tc.wantUsedBy >= 0 && (got[0].UsedBy == nil || *got[0].UsedBy != tc.wantUsedBy):
				t.Errorf("usedBy = %v, want %d", got[0].UsedBy, tc.wantUsedBy)
			}
			if got[1].Attention || got[1].UsedBy != nil {
				t.Errorf("a fact independent of use was changed: %+v", got[1])
			}
		})
	}
}

func TestSpecDiff(t *testing.T) {
	live := probeCRD(t)
	live.Labels = map[string]string{"app.kubernetes.io/name": "old"}
	after := live.DeepCopy()
	after.Labels["app.kubernetes.io/name"] = "new"
	after.Annotations = map[string]string{BundleVersionAnnotation: "1.4.0"}
	after.Spec.Versions[0].Served = false
	spec := after.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]
	mode := spec.Properties["mode"]
	mode.Enum = mode.Enum[:1]
	mode.Description = "how fast"
	mode.Pattern = "^[a-z]+ & <" + strings.Repeat("long", 20) + ">$"
	spec.Properties["mode"] = mode
	delete(spec.Properties, "tags")
	after.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"] = spec

	d, err := specDiff(live, after)
	if err != nil {
		t.Fatal(err)
	}
	const mode0 = "spec.versions[v1].schema.openAPIV3Schema.properties.spec.properties.mode."
	want := []DiffLine{
		{Op: DiffAdded, Path: `metadata.annotations["openservicemesh.io/bundle-version"]`, To: `"1.4.0"`},
		{Op: DiffChanged, Path: `metadata.labels["app.kubernetes.io/name"]`, From: `"old"`, To: `"new"`},
		{Op: DiffChanged, Path: mode0 + "enum", From: `["fast","safe"]`, To: `["fast"]`},
		{Op: DiffAdded, Path: mode0 + "pattern", To: `"^[a-z]+ & <` + strings.Repeat("long", 11) + `l...`},
		{Op: DiffRemoved, Path: "spec.versions[v1].schema.openAPIV3Schema.properties.spec.properties.tags.items.type", From: `"string"`},
		{Op: DiffRemoved, Path: "spec.versions[v1].schema.openAPIV3Schema.properties.spec.properties.tags.type", From: `"array"`},
		{Op: DiffRemoved, Path: "spec.versions[v1].schema.openAPIV3Schema.properties.spec.properties.tags.x-kubernetes-list-type", From: `"set"`},
		{Op: DiffChanged, Path: "spec.versions[v1].served", From: "true", To: "false"},
	}
	if d.Omitted != 0 || d.Descriptions != 1 || len(d.Lines) != len(want) {
		t.Fatalf("got %d lines (%d omitted, %d descriptions):\n%s", len(d.Lines), d.Omitted, d.Descriptions, formatDiff(d.Lines))
	}
	for i := range want {
		if d.Lines[i] != want[i] {
			t.Errorf("line %d:\n got %+v\nwant %+v", i, d.Lines[i], want[i])
		}
	}
}

func TestSpecDiffCapsLines(t *testing.T) {
	live := probeCRD(t)
	after := live.DeepCopy()
	after.Annotations = map[string]string{}
	for i := range maxDiffLines + 5 {
		after.Annotations["a"+strings.Repeat("x", i)] = "v"
	}
	d, err := specDiff(live, after)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Lines) != maxDiffLines || d.Omitted != 5 {
		t.Errorf("%d lines, %d omitted; want %d and 5", len(d.Lines), d.Omitted, maxDiffLines)
	}
}

func formatDiff(lines []DiffLine) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(string(l.Op) + " " + l.Path + ": " + l.From + " -> " + l.To + "\n")
	}
	return b.String()
}

func TestMergedOntoDropsWhatOnlyLegacyManagersOwn(t *testing.T) {
	owns := func(manager string, op metav1.ManagedFieldsOperationType, labels ...string) metav1.ManagedFieldsEntry {
		fields := map[string]any{}
		for _, l := range labels {
			fields["f:"+l] = map[string]any{}
		}
		raw, err := json.Marshal(map[string]any{"f:metadata": map[string]any{"f:labels": fields}})
		if err != nil {
			t.Fatal(err)
		}
		return metav1.ManagedFieldsEntry{Manager: manager, Operation: op, FieldsV1: &metav1.FieldsV1{Raw: raw}}
	}
	live := probeCRD(t)
	live.Labels = map[string]string{"legacy": "1", "shared": "1", "ours": "1", "app": "old"}
	live.Annotations = map[string]string{corev1.LastAppliedConfigAnnotation: "{}"}
	live.ManagedFields = []metav1.ManagedFieldsEntry{
		owns("kubectl-client-side-apply", metav1.ManagedFieldsOperationUpdate, "legacy", "shared", "ours", "app"),
		owns("kubectl-edit", metav1.ManagedFieldsOperationUpdate, "shared"),
		owns(FieldManager, metav1.ManagedFieldsOperationApply, "ours"),
	}
	want := probeCRD(t)
	want.Labels = map[string]string{"app": "new"}

	cases := []struct {
		name   string
		legacy []string
		labels map[string]string
	}{
		{name: "no legacy manager: every live key stays", labels: map[string]string{"legacy": "1", "shared": "1", "ours": "1", "app": "new"}},
		{name: "legacy manager: its keys go, shared ones stay", legacy: []string{"kubectl-client-side-apply"},
			labels: map[string]string{"shared": "1", "app": "new"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := mergedOnto(live, want, tc.legacy)
			if !reflect.DeepEqual(got.Labels, tc.labels) {
				t.Errorf("labels = %v, want %v", got.Labels, tc.labels)
			}
			_, kept := got.Annotations[corev1.LastAppliedConfigAnnotation]
			if kept != (len(tc.legacy) == 0) {
				t.Errorf("last-applied-configuration kept: %t, want %t", kept, len(tc.legacy) == 0)
			}
		})
	}
}
