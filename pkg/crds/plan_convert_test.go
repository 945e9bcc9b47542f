package crds

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// fakeConverter converts by calling its func; calls records every call.
type fakeConverter struct {
	fn    func(crd string, obj map[string]any, to string) (map[string]any, error)
	calls []string
}

func (f *fakeConverter) Convert(crd string, obj any, to string) (map[string]any, error) {
	m := obj.(map[string]any)
	name, _, _ := unstructured.NestedString(m, "metadata", "name")
	f.calls = append(f.calls, crd+" "+name+" "+to)
	return f.fn(crd, m, to)
}

// errNoConversion is what the fake converter answers for an object named
// "unconvertible".
var errNoConversion = errors.New("unreadable stash")

// renamingConverter moves spec.mode to spec.speed on the way to v2, as a
// webhook that reshapes would, and fails for the object "unconvertible".
func renamingConverter() *fakeConverter {
	return &fakeConverter{fn: func(_ string, obj map[string]any, to string) (map[string]any, error) {
		if name, _, _ := unstructured.NestedString(obj, "metadata", "name"); name == "unconvertible" {
			return nil, errNoConversion
		}
		spec, _ := obj["spec"].(map[string]any)
		if mode, ok := spec["mode"]; ok {
			spec["speed"] = mode
			delete(spec, "mode")
		}
		obj["apiVersion"] = to
		return obj, nil
	}}
}

// twoVersionCRD is probeCRD with a v2, served, not stored, whose spec.mode
// is spec.speed, allows only "fast", and which requires spec.level.
func twoVersionCRD(t *testing.T) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	crd := probeCRD(t)
	v2 := *crd.Spec.Versions[0].DeepCopy()
	v2.Name, v2.Storage = "v2", false
	spec := v2.Schema.OpenAPIV3Schema.Properties["spec"]
	speed := spec.Properties["mode"]
	speed.Enum = speed.Enum[:1]
	delete(spec.Properties, "mode")
	spec.Properties["speed"] = speed
	spec.Properties["level"] = apiextensionsv1.JSONSchemaProps{Type: "integer"}
	spec.Required = []string{"speed", "level"}
	v2.Schema.OpenAPIV3Schema.Properties["spec"] = spec
	crd.Spec.Versions = append(crd.Spec.Versions, v2)
	return crd
}

func withWebhook(crd *apiextensionsv1.CustomResourceDefinition) *apiextensionsv1.CustomResourceDefinition {
	crd.Spec.Conversion = &apiextensionsv1.CustomResourceConversion{Strategy: apiextensionsv1.WebhookConverter}
	return crd
}

func TestConvertedVersions(t *testing.T) {
	cases := []struct {
		name string
		// live and after are edits of twoVersionCRD.
		live, after func(*apiextensionsv1.CustomResourceDefinition)
		noConverter bool
		want        []string
	}{
		{name: "version added", live: dropV2, after: webhookOn, want: []string{"v2"}},
		{name: "version newly served", live: unserveV2, after: webhookOn, want: []string{"v2"}},
		{name: "same schema, same webhook", live: webhookOn, after: webhookOn},
		{name: "same schema, now through a webhook", live: noEdit, after: webhookOn, want: []string{"v2"}},
		{name: "same schema, apiVersion rewrite before and after", live: noEdit, after: noEdit},
		{name: "schema changed", live: func(c *apiextensionsv1.CustomResourceDefinition) {
			webhookOn(c)
			c.Spec.Versions[1].Schema.OpenAPIV3Schema.Properties["spec"].Properties["level"] = apiextensionsv1.JSONSchemaProps{Type: "string"}
		}, after: webhookOn, want: []string{"v2"}},
		{name: "not served after the upgrade", live: dropV2, after: func(c *apiextensionsv1.CustomResourceDefinition) {
			webhookOn(c)
			unserveV2(c)
		}},
		{name: "no converter for a webhook", live: dropV2, after: webhookOn, noConverter: true},
		{name: "no converter needed without a webhook", live: dropV2, after: noEdit, noConverter: true, want: []string{"v2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			live, after := twoVersionCRD(t), twoVersionCRD(t)
			tc.live(live)
			tc.after(after)
			p := &Planner{}
			if !tc.noConverter {
				p.Converter = renamingConverter()
			}
			got, err := p.convertedVersions(live, after, "v1")
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range got {
				names = append(names, c.version)
			}
			if !reflect.DeepEqual(names, tc.want) {
				t.Errorf("converted versions %v, want %v", names, tc.want)
			}
		})
	}
}

func noEdit(*apiextensionsv1.CustomResourceDefinition)      {}
func webhookOn(c *apiextensionsv1.CustomResourceDefinition) { withWebhook(c) }
func dropV2(c *apiextensionsv1.CustomResourceDefinition)    { c.Spec.Versions = c.Spec.Versions[:1] }
func unserveV2(c *apiextensionsv1.CustomResourceDefinition) { c.Spec.Versions[1].Served = false }

// TestCheckObjectsConverts checks the stored objects of a CRD that gains
// v2 through a webhook: each is converted with the Converter and validated
// in v2 too; a refusal in v2 and a failed conversion are named with v2, an
// object invalid in its own version only once, and a field v2 requires
// that conversion cannot fill in is no finding.
func TestCheckObjectsConverts(t *testing.T) {
	live := twoVersionCRD(t)
	dropV2(live)
	after := withWebhook(twoVersionCRD(t))
	objects := &pagedObjects{objects: []*unstructured.Unstructured{
		probe("good", map[string]any{"mode": "fast", "level": int64(1)}),
		probe("no-level", map[string]any{"mode": "fast"}),
		probe("safe", map[string]any{"mode": "safe", "level": int64(1)}),
		probe("unconvertible", map[string]any{"mode": "fast"}),
		probe("reckless", map[string]any{"mode": "reckless"}),
	}}
	conv := renamingConverter()
	p := &Planner{Objects: fakeDynamic{res: objects}, Converter: conv}

	check := p.checkObjects(context.Background(), &Applier{Retry: noRetry}, live, after, nil)
	if check.Error != "" || check.NotChecked != "" {
		t.Fatalf("check failed: %+v", check)
	}
	if check.Version != "v1" || !reflect.DeepEqual(check.Converted, []string{"v2"}) || check.Checked != 5 {
		t.Errorf("read in %s, converted to %v, %d checked; want v1, [v2], 5", check.Version, check.Converted, check.Checked)
	}
	want := map[string]struct{ version, reason string }{
		"default/reckless":      {"", `spec.mode: Unsupported value: "reckless"`},
		"default/safe":          {"v2", `spec.speed: Unsupported value: "safe"`},
		"default/unconvertible": {"v2", errNoConversion.Error()},
	}
	if len(check.Invalid) != len(want) {
		t.Fatalf("invalid objects %+v, want %d", check.Invalid, len(want))
	}
	for _, o := range check.Invalid {
		w, ok := want[o.ID()]
		reason := strings.Join(o.Errors, "; ") + o.ConversionError
		if !ok || o.Version != w.version || !strings.Contains(reason, w.reason) {
			t.Errorf("%s as %q: %q; want as %q: %q", o.ID(), o.Version, reason, w.version, w.reason)
		}
	}
	if len(conv.calls) != 5 || conv.calls[0] != "probes.example.com good example.com/v2" {
		t.Errorf("converter calls %v, want one per object, naming the CRD and the apiVersion", conv.calls)
	}
}

// TestCheckObjectsRewritesAPIVersionWithoutWebhook checks a CRD that
// stays on strategy None: v2 is reached by an apiVersion rewrite, as the
// API server does, not through the Converter.
func TestCheckObjectsRewritesAPIVersionWithoutWebhook(t *testing.T) {
	live, after := twoVersionCRD(t), twoVersionCRD(t)
	unserveV2(live)
	objects := &pagedObjects{objects: []*unstructured.Unstructured{
		probe("unshaped", map[string]any{"mode": "fast", "level": int64(1)}),
	}}
	conv := renamingConverter()
	p := &Planner{Objects: fakeDynamic{res: objects}, Converter: conv}

	check := p.checkObjects(context.Background(), &Applier{Retry: noRetry}, live, after, nil)
	if len(conv.calls) != 0 {
		t.Errorf("the converter was called for strategy None: %v", conv.calls)
	}
	// Rewritten, spec.mode is pruned from v2 and spec.speed is missing:
	// a required field, so no finding.
	if check.Error != "" || len(check.Invalid) != 0 || !reflect.DeepEqual(check.Converted, []string{"v2"}) {
		t.Errorf("check %+v, want v2 checked and nothing invalid", check)
	}
}

func TestObjectCheckCapsFindingsAcrossVersions(t *testing.T) {
	live := twoVersionCRD(t)
	dropV2(live)
	after := withWebhook(twoVersionCRD(t))
	var stored []*unstructured.Unstructured
	for range maxInvalidObjects + 4 {
		stored = append(stored, probe("unconvertible", map[string]any{"mode": "fast"}))
	}
	p := &Planner{Objects: fakeDynamic{res: &pagedObjects{objects: stored}}, Converter: renamingConverter()}

	check := p.checkObjects(context.Background(), &Applier{Retry: noRetry}, live, after, nil)
	if len(check.Invalid) != maxInvalidObjects || check.InvalidOmitted != 4 {
		t.Errorf("%d named, %d omitted; want %d and 4", len(check.Invalid), check.InvalidOmitted, maxInvalidObjects)
	}
	if !(&CRDPlan{Result: ResultUpdated, Objects: check}).needsAttention() {
		t.Errorf("objects that do not convert need no attention")
	}
}
