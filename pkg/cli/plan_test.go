package cli

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// samplePlan has one CRD of each result, an updated one with a diff, facts
// and an invalid stored object, and one compared locally.
func samplePlan() *crds.Plan {
	used := 2
	return &crds.Plan{
		BundleVersion:  "1.4.0",
		NeedsAttention: true,
		CRDs: []crds.CRDPlan{
			{Name: "alphas.example.com", Result: crds.ResultCreated, Comparison: crds.ComparisonDryRun,
				Facts: []crds.PlanFact{{Fact: crds.Fact{Kind: crds.FactVersionAdded, Version: "v1", Detail: "new version, served"}}}},
			{Name: "betas.example.com", Result: crds.ResultUnchanged, Comparison: crds.ComparisonLocal},
			{
				Name: "gammas.example.com", Result: crds.ResultUpdated, Comparison: crds.ComparisonDryRun, Attention: true,
				Conflicts: []string{"kubectl-client-side-apply (Update): 12 fields"},
				Diff: &crds.Diff{Lines: []crds.DiffLine{
					{Op: crds.DiffAdded, Path: `metadata.annotations["openservicemesh.io/bundle-version"]`, To: `"1.4.0"`},
					{Op: crds.DiffRemoved, Path: "spec.versions[v1].schema.openAPIV3Schema.properties.spec.properties.legacy.type", From: `"string"`},
					{Op: crds.DiffChanged, Path: "spec.versions[v1].served", From: "false", To: "true"},
				}, Omitted: 4, Descriptions: 7},
				Facts: []crds.PlanFact{
					{Fact: crds.Fact{Kind: crds.FactFieldRemoved, Version: "v1", Path: "spec.legacy",
						Detail: "no longer in the schema: pruned from objects", Attention: true, AttentionIfUsed: true}, UsedBy: &used},
					{Fact: crds.Fact{Kind: crds.FactVersionDeprecated, Version: "v1beta1", Detail: "deprecated"}},
				},
				Objects: &crds.ObjectCheck{Version: "v1", Checked: 40, InvalidOmitted: 3, Invalid: []crds.InvalidObject{
					{Namespace: "osm-system", Name: "wild", Errors: []string{`spec.mode: Unsupported value: "reckless"`}, ErrorsOmitted: 1},
				}},
			},
			{Name: "deltas.example.com", Result: crds.ResultRefused, Comparison: crds.ComparisonLocal, Attention: true,
				Reason:  "refused: CRD deltas.example.com has objects stored in v0",
				Objects: &crds.ObjectCheck{Version: "v0", Error: "the bundle drops the storage version"}},
			{Name: "epsilons.example.com", Result: crds.ResultSkipped, Reason: "newer bundle 99.0.0"},
			{Name: "zetas.example.com", Result: crds.ResultUpdated, Comparison: crds.ComparisonLocal,
				Diff:    &crds.Diff{Lines: []crds.DiffLine{{Op: crds.DiffChanged, Path: "spec.scope", From: `"Cluster"`, To: `"Namespaced"`}}},
				Objects: &crds.ObjectCheck{Version: "v1", NotChecked: "the schema of the storage version does not change"}},
		},
	}
}

const wantTable = `CRD                   RESULT     ATTENTION  COMPARED
alphas.example.com    created               dry-run
betas.example.com     unchanged             local
gammas.example.com    updated    yes        dry-run
deltas.example.com    refused    yes        local
epsilons.example.com  skipped               
zetas.example.com     updated               local

gammas.example.com: updated
  fields taken over from: kubectl-client-side-apply (Update): 12 fields
  diff:
    + metadata.annotations["openservicemesh.io/bundle-version"]: "1.4.0"
    - spec.versions[v1].schema.openAPIV3Schema.properties.spec.properties.legacy.type: "string"
    ~ spec.versions[v1].served: false -> true
    (4 more lines not shown; -o json has the same cap)
    (7 descriptions changed)
  facts:
    ! v1 FieldRemoved spec.legacy: no longer in the schema: pruned from objects (used by 2 stored objects)
      v1beta1 VersionDeprecated: deprecated
  stored objects (v1): 40 checked, 4 would no longer validate
    ! osm-system/wild: spec.mode: Unsupported value: "reckless"; and 1 more
    ! and 3 more objects

deltas.example.com: refused
  reason: refused: CRD deltas.example.com has objects stored in v0
  ! stored objects (v0) not checked: the bundle drops the storage version

epsilons.example.com: skipped
  reason: newer bundle 99.0.0

zetas.example.com: updated
  compared locally: the dry run was forbidden; a value the server defaults may show as a change
  diff:
    ~ spec.scope: "Cluster" -> "Namespaced"
  stored objects (v1): no check needed: the schema of the storage version does not change

bundle 1.4.0: 1 created, 2 updated, 1 unchanged, 1 skipped, 1 refused; 2 of 6 CRDs need attention (marked !)
`

func TestRenderPlanTable(t *testing.T) {
	var out bytes.Buffer
	if err := renderPlan(&out, samplePlan(), outputTable); err != nil {
		t.Fatal(err)
	}
	if out.String() != wantTable {
		t.Errorf("table differs:\n--- got\n%s\n--- want\n%s", out.String(), wantTable)
	}
}

// TestRenderPlanJSON pins the field names tools rely on.
func TestRenderPlanJSON(t *testing.T) {
	var out bytes.Buffer
	if err := renderPlan(&out, samplePlan(), outputJSON); err != nil {
		t.Fatal(err)
	}
	var got struct {
		BundleVersion  string           `json:"bundleVersion"`
		NeedsAttention bool             `json:"needsAttention"`
		CRDs           []map[string]any `json:"crds"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if got.BundleVersion != "1.4.0" || !got.NeedsAttention || len(got.CRDs) != 6 {
		t.Fatalf("top level = %+v", got)
	}
	gammas := got.CRDs[2]
	checkKeys(t, "crd", gammas, "name", "result", "comparison", "attention", "conflicts", "diff", "facts", "objects")
	checkKeys(t, "diff", gammas["diff"], "lines", "omitted", "descriptions")
	checkKeys(t, "diff line", gammas["diff"].(map[string]any)["lines"].([]any)[2], "op", "path", "from", "to")
	checkKeys(t, "fact", gammas["facts"].([]any)[0], "kind", "version", "path", "detail", "attention", "attentionIfUsed", "usedBy")
	checkKeys(t, "objects", gammas["objects"], "version", "checked", "invalid", "invalidOmitted")
	checkKeys(t, "invalid object", gammas["objects"].(map[string]any)["invalid"].([]any)[0], "namespace", "name", "errors", "errorsOmitted")
	checkKeys(t, "refused crd", got.CRDs[3], "name", "result", "reason", "comparison", "attention", "objects")
	checkKeys(t, "skipped crd", got.CRDs[4], "name", "result", "reason", "attention")
}

func checkKeys(t *testing.T, what string, v any, want ...string) {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: %T, want an object", what, v)
	}
	var got []string
	for k := range m {
		got = append(got, k)
	}
	sort.Strings(got)
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s keys = %v, want %v", what, got, want)
	}
}

// TestPlanExitCode checks the exit code each plan leads to.
func TestPlanExitCode(t *testing.T) {
	cases := []struct {
		name string
		plan *crds.Plan
		want int
	}{
		{name: "nothing to do", plan: &crds.Plan{CRDs: []crds.CRDPlan{{Result: crds.ResultUnchanged}}}, want: ExitOK},
		{name: "changes that need no attention", plan: &crds.Plan{CRDs: []crds.CRDPlan{{Result: crds.ResultUpdated}}}, want: ExitOK},
		{name: "needs attention", plan: samplePlan(), want: ExitNeedsAction},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := planError(tc.plan)
			if got := exitCode(err); got != tc.want {
				t.Errorf("exit code %d, want %d (err %v)", got, tc.want, err)
			}
			if err != nil && !strings.Contains(err.Error(), "2 of 6 CRDs") {
				t.Errorf("error %q does not count the CRDs", err)
			}
		})
	}
}

func TestPlanUsage(t *testing.T) {
	cases := []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{name: "unknown output", args: []string{"plan", "-o", "yaml"}, wantStderr: `invalid --output "yaml"`},
		{name: "apply's flags are validated", args: []string{"plan", "--conversion", "sometimes"}, wantStderr: `invalid --conversion "sometimes"`},
		{name: "stray argument", args: []string{"plan", "now"}, wantStderr: "takes no arguments"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Run(tc.args, &stdout, &stderr); code != ExitUsage {
				t.Errorf("exit code %d, want %d", code, ExitUsage)
			}
			if !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.wantStderr)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing on a usage error", stdout.String())
			}
		})
	}
}
