package plan

import (
	"fmt"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

const (
	trafficTargets = "traffictargets.access.smi-spec.io"
	accessControls = "accesscontrols.policy.openservicemesh.io"
)

// liveEdit turns a bundled CRD into the one a cluster holds before the
// upgrade.
type liveEdit func(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition)

// TestFacts installs a bundled CRD changed so that upgrading it to the
// bundle gives one fact of each kind, nested fields included, runs plan and
// looks for the fact in -o json. Plan must write nothing.
func TestFacts(t *testing.T) {
	cases := []struct {
		name string
		crd  string
		edit liveEdit
		args []string
		// want is the fact looked for, by kind, version and path.
		want          crds.Fact
		wantAttention bool
	}{
		{
			name: "version added", crd: trafficTargets,
			edit: dropVersion("v1alpha1"),
			want: crds.Fact{Kind: crds.FactVersionAdded, Version: "v1alpha1"},
		},
		{
			name: "version removed", crd: trafficTargets,
			edit: addVersion("v1beta9"),
			want: crds.Fact{Kind: crds.FactVersionRemoved, Version: "v1beta9"}, wantAttention: true,
		},
		{
			name: "version newly deprecated", crd: trafficTargets,
			edit: editVersion("v1alpha2", func(v *apiextensionsv1.CustomResourceDefinitionVersion) {
				v.Deprecated, v.DeprecationWarning = false, nil
			}),
			want: crds.Fact{Kind: crds.FactVersionDeprecated, Version: "v1alpha2"},
		},
		{
			name: "version no longer served", crd: trafficTargets,
			// Without a webhook, versions shaped unlike the storage version are not served.
			edit: func(*testing.T, *apiextensionsv1.CustomResourceDefinition) {}, args: []string{"--conversion", "none"},
			want: crds.Fact{Kind: crds.FactVersionUnserved, Version: "v1alpha1"},
		},
		{
			name: "storage version changed", crd: trafficTargets,
			edit: storeIn("v1alpha2"),
			want: crds.Fact{Kind: crds.FactStorageChanged, Version: "v1alpha3"}, wantAttention: true,
		},
		{
			name: "nested field removed", crd: trafficTargets,
			edit: editSchema("v1alpha3", "spec.rules[]", func(s *apiextensionsv1.JSONSchemaProps) {
				s.Properties["priority"] = apiextensionsv1.JSONSchemaProps{Type: "integer"}
			}),
			// No stored object uses it: no attention.
			want: crds.Fact{Kind: crds.FactFieldRemoved, Version: "v1alpha3", Path: "spec.rules[].priority"},
		},
		{
			name: "nested field newly required", crd: trafficTargets,
			edit: editSchema("v1alpha3", "spec.destination", func(s *apiextensionsv1.JSONSchemaProps) {
				s.Required = []string{"kind"}
			}),
			want: crds.Fact{Kind: crds.FactFieldRequired, Version: "v1alpha3", Path: "spec.destination.name"}, wantAttention: true,
		},
		{
			name: "nested enum narrowed", crd: trafficTargets,
			edit: editSchema("v1alpha3", "spec.rules[].kind", addEnumValue("GRPCRoute")),
			want: crds.Fact{Kind: crds.FactEnumNarrowed, Version: "v1alpha3", Path: "spec.rules[].kind"}, wantAttention: true,
		},
		{
			name: "nested type changed", crd: trafficTargets,
			edit: editSchema("v1alpha3", "spec.rules[].matches[]", func(s *apiextensionsv1.JSONSchemaProps) {
				s.Type = "integer"
			}),
			want: crds.Fact{Kind: crds.FactTypeChanged, Version: "v1alpha3", Path: "spec.rules[].matches[]"}, wantAttention: true,
		},
		{
			name: "nested constraint tightened", crd: accessControls,
			edit: editSchema("v1alpha1", "spec.backends[].port.number", func(s *apiextensionsv1.JSONSchemaProps) {
				s.Maximum = nil
			}),
			want: crds.Fact{Kind: crds.FactConstraintTightened, Version: "v1alpha1", Path: "spec.backends[].port.number"}, wantAttention: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := setup(t)
			live := bundle(t).Get(tc.crd)
			tc.edit(t, live)
			install(ctx, t, live)
			before := snapshot(ctx, t)

			wantCode := 0
			if tc.wantAttention {
				wantCode = 2
			}
			plan, _ := runPlan(ctx, t, wantCode, tc.args...)
			c := crdPlan(t, plan, tc.crd)
			f, ok := findFact(c.Facts, tc.want)
			if !ok {
				t.Fatalf("no fact %s %s %q in the plan of %s:\n%s", tc.want.Kind, tc.want.Version, tc.want.Path, tc.crd, formatFacts(c.Facts))
			}
			if f.Attention != tc.wantAttention || c.Attention != tc.wantAttention || plan.NeedsAttention != tc.wantAttention {
				t.Errorf("attention: fact %t, CRD %t, plan %t; want %t", f.Attention, c.Attention, plan.NeedsAttention, tc.wantAttention)
			}
			if c.Result != crds.ResultUpdated || c.Comparison != crds.ComparisonDryRun {
				t.Errorf("%s: %s by %q, want updated by a dry run", tc.crd, c.Result, c.Comparison)
			}
			checkUnchanged(t, before, snapshot(ctx, t))
		})
	}
}

func findFact(facts []crds.PlanFact, want crds.Fact) (crds.PlanFact, bool) {
	for _, f := range facts {
		if f.Kind == want.Kind && f.Version == want.Version && f.Path == want.Path {
			return f, true
		}
	}
	return crds.PlanFact{}, false
}

func formatFacts(facts []crds.PlanFact) string {
	var b strings.Builder
	for _, f := range facts {
		fmt.Fprintf(&b, "  %s (attention %t)\n", f.Fact.String(), f.Attention)
	}
	return b.String()
}

func dropVersion(name string) liveEdit {
	return func(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition) {
		var kept []apiextensionsv1.CustomResourceDefinitionVersion
		for _, v := range crd.Spec.Versions {
			if v.Name != name {
				kept = append(kept, v)
			}
		}
		if len(kept) == len(crd.Spec.Versions) {
			t.Fatalf("%s has no version %s", crd.Name, name)
		}
		crd.Spec.Versions = kept
	}
}

// addVersion adds a served version shaped like the storage version.
func addVersion(name string) liveEdit {
	return func(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition) {
		storage := versionNamed(t, crd, mustStorage(t, crd))
		extra := *storage.DeepCopy()
		extra.Name, extra.Storage = name, false
		crd.Spec.Versions = append(crd.Spec.Versions, extra)
	}
}

func storeIn(name string) liveEdit {
	return func(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition) {
		versionNamed(t, crd, name)
		for i := range crd.Spec.Versions {
			crd.Spec.Versions[i].Storage = crd.Spec.Versions[i].Name == name
		}
	}
}

func editVersion(name string, f func(*apiextensionsv1.CustomResourceDefinitionVersion)) liveEdit {
	return func(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition) {
		f(versionNamed(t, crd, name))
	}
}

// editSchema changes the schema node at path in one version; path is
// written as fact paths are: field names joined by dots, [] for items.
func editSchema(version, path string, f func(*apiextensionsv1.JSONSchemaProps)) liveEdit {
	return func(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition) {
		var steps []string
		for _, part := range strings.Split(path, ".") {
			name, items := strings.CutSuffix(part, "[]")
			steps = append(steps, name)
			if items {
				steps = append(steps, "[]")
			}
		}
		editNode(t, versionNamed(t, crd, version).Schema.OpenAPIV3Schema, steps, f)
	}
}

func editNode(t *testing.T, s *apiextensionsv1.JSONSchemaProps, steps []string, f func(*apiextensionsv1.JSONSchemaProps)) {
	t.Helper()
	switch {
	case len(steps) == 0:
		f(s)
	case steps[0] == "[]":
		if s.Items == nil || s.Items.Schema == nil {
			t.Fatalf("no items schema at %v", steps)
		}
		editNode(t, s.Items.Schema, steps[1:], f)
	default:
		child, ok := s.Properties[steps[0]]
		if !ok {
			t.Fatalf("no field %s", steps[0])
		}
		editNode(t, &child, steps[1:], f)
		s.Properties[steps[0]] = child
	}
}

func addEnumValue(value string) func(*apiextensionsv1.JSONSchemaProps) {
	return func(s *apiextensionsv1.JSONSchemaProps) {
		s.Enum = append(s.Enum, apiextensionsv1.JSON{Raw: []byte(`"` + value + `"`)})
	}
}

func versionNamed(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition, name string) *apiextensionsv1.CustomResourceDefinitionVersion {
	t.Helper()
	for i := range crd.Spec.Versions {
		if crd.Spec.Versions[i].Name == name {
			return &crd.Spec.Versions[i]
		}
	}
	t.Fatalf("%s has no version %s", crd.Name, name)
	return nil
}

func mustStorage(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition) string {
	t.Helper()
	v, err := crds.StorageVersion(crd)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
