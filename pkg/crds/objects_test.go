package crds

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"
)

// probeSchema has one node per thing the object validator must do:
// required fields, enums, bounds, defaults, pruning, list sets and a CEL
// rule.
const probeSchema = `
type: object
properties:
  apiVersion: {type: string}
  kind: {type: string}
  metadata: {type: object}
  spec:
    type: object
    required: [mode]
    x-kubernetes-validations:
    - rule: "self.replicas <= 10"
      message: at most 10 replicas
    properties:
      mode: {type: string, enum: [fast, safe]}
      replicas: {type: integer, minimum: 0, default: 1}
      tags:
        type: array
        x-kubernetes-list-type: set
        items: {type: string}
`

// probeCRD returns a CRD with one version, v1, of probeSchema.
func probeCRD(t *testing.T) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	s := &apiextensionsv1.JSONSchemaProps{}
	if err := yaml.UnmarshalStrict([]byte(probeSchema), s); err != nil {
		t.Fatal(err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	crd.Name = "probes.example.com"
	crd.Spec = apiextensionsv1.CustomResourceDefinitionSpec{
		Group: "example.com",
		Scope: apiextensionsv1.NamespaceScoped,
		Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "probes", Kind: "Probe", ListKind: "ProbeList"},
		Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
			Name: "v1", Served: true, Storage: true,
			Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: s},
		}},
	}
	return crd
}

func probe(name string, spec map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "example.com/v1",
		"kind":       "Probe",
		"metadata":   map[string]any{"name": name, "namespace": "default"},
		"spec":       spec,
	}}
}

func TestObjectValidator(t *testing.T) {
	cases := []struct {
		name string
		spec map[string]any
		// wantErrs are substrings of the errors, one per error; none means valid.
		wantErrs []string
		// check inspects the object after validation (pruned and defaulted).
		check func(t *testing.T, spec map[string]any)
	}{
		{name: "valid", spec: map[string]any{"mode": "fast", "replicas": int64(3)}},
		{
			name: "defaulted", spec: map[string]any{"mode": "safe"},
			check: func(t *testing.T, spec map[string]any) {
				if spec["replicas"] != int64(1) {
					t.Errorf("replicas = %v, want the default 1", spec["replicas"])
				}
			},
		},
		{
			name: "unknown field pruned, not refused", spec: map[string]any{"mode": "fast", "color": "red"},
			check: func(t *testing.T, spec map[string]any) {
				if _, ok := spec["color"]; ok {
					t.Errorf("the unknown field was not pruned")
				}
			},
		},
		{name: "required field missing", spec: map[string]any{"replicas": int64(2)}, wantErrs: []string{"spec.mode: Required value"}},
		{name: "value outside the enum", spec: map[string]any{"mode": "reckless"}, wantErrs: []string{`spec.mode: Unsupported value: "reckless"`}},
		{name: "below the minimum", spec: map[string]any{"mode": "fast", "replicas": int64(-1)}, wantErrs: []string{"spec.replicas"}},
		{
			name: "duplicate in a set", spec: map[string]any{"mode": "fast", "tags": []any{"a", "a"}},
			wantErrs: []string{"spec.tags[1]: Duplicate value"},
		},
		{name: "CEL rule", spec: map[string]any{"mode": "fast", "replicas": int64(11)}, wantErrs: []string{"at most 10 replicas"}},
	}
	v, err := NewObjectValidator(probeCRD(t), "v1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := probe("p", tc.spec)
			errs := v.Validate(context.Background(), obj.Object)
			if len(errs) != len(tc.wantErrs) {
				t.Fatalf("got %d errors %v, want %d %v", len(errs), errs, len(tc.wantErrs), tc.wantErrs)
			}
			for i, want := range tc.wantErrs {
				if !strings.Contains(errs[i].Error(), want) {
					t.Errorf("error %d = %q, want it to contain %q", i, errs[i].Error(), want)
				}
			}
			if tc.check != nil {
				tc.check(t, obj.Object["spec"].(map[string]any))
			}
		})
	}
}

func TestNewObjectValidatorUnknownVersion(t *testing.T) {
	if _, err := NewObjectValidator(probeCRD(t), "v2"); err == nil || !strings.Contains(err.Error(), "no version v2") {
		t.Errorf("err = %v, want one naming the missing version", err)
	}
}

var probeGVR = schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "probes"}

// pagedObjects is a fake resource client whose List serves objects in
// pages of the requested limit, with the index of the next object as the
// continue token, and records every request. Only List is implemented.
type pagedObjects struct {
	dynamic.NamespaceableResourceInterface
	objects  []*unstructured.Unstructured
	requests []metav1.ListOptions
	err      error
}

func (p *pagedObjects) List(_ context.Context, opts metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	p.requests = append(p.requests, opts)
	if p.err != nil {
		return nil, p.err
	}
	start := 0
	if opts.Continue != "" {
		start, _ = strconv.Atoi(opts.Continue)
	}
	end := min(start+int(opts.Limit), len(p.objects))
	page := &unstructured.UnstructuredList{}
	for _, o := range p.objects[start:end] {
		page.Items = append(page.Items, *o.DeepCopy())
	}
	if end < len(p.objects) {
		page.SetContinue(strconv.Itoa(end))
	}
	return page, nil
}

// fakeDynamic serves every resource from one pagedObjects.
type fakeDynamic struct {
	dynamic.Interface
	res *pagedObjects
}

func (f fakeDynamic) Resource(schema.GroupVersionResource) dynamic.NamespaceableResourceInterface {
	return f.res
}

// noRetry calls fn once.
func noRetry(ctx context.Context, _ string, fn func(context.Context) error) error { return fn(ctx) }

func TestListObjectsPages(t *testing.T) {
	const count = 2*objectPageSize + 7
	var objects []*unstructured.Unstructured
	for i := range count {
		objects = append(objects, probe(fmt.Sprintf("p%04d", i), map[string]any{"mode": "fast"}))
	}
	res := &pagedObjects{objects: objects}
	client := fakeDynamic{res: res}

	seen := map[string]bool{}
	err := ListObjects(context.Background(), client, noRetry, probeGVR, func(u *unstructured.Unstructured) error {
		seen[u.GetName()] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != count {
		t.Errorf("saw %d objects, want %d", len(seen), count)
	}
	if len(res.requests) != 3 {
		t.Errorf("%d list requests, want 3 pages", len(res.requests))
	}
	for i, r := range res.requests {
		if r.Limit != objectPageSize {
			t.Errorf("request %d: limit %d, want %d", i, r.Limit, objectPageSize)
		}
	}
}

func TestObjectScan(t *testing.T) {
	objects := []*unstructured.Unstructured{
		probe("good", map[string]any{"mode": "fast", "legacy": "x"}),
		probe("also-good", map[string]any{"mode": "safe"}),
	}
	for i := range maxInvalidObjects + 3 {
		objects = append(objects, probe(fmt.Sprintf("bad-%02d", i), map[string]any{"mode": "reckless"}))
	}
	client := fakeDynamic{res: &pagedObjects{objects: objects}}
	v, err := NewObjectValidator(probeCRD(t), "v1")
	if err != nil {
		t.Fatal(err)
	}
	scan := &objectScan{client: client, retry: noRetry, gvr: probeGVR, validator: v, paths: []string{"spec.legacy", "spec.unused"}}

	check := scan.run(context.Background())
	if check.Error != "" {
		t.Fatal(check.Error)
	}
	if check.Checked != len(objects) {
		t.Errorf("checked %d, want %d", check.Checked, len(objects))
	}
	if len(check.Invalid) != maxInvalidObjects || check.InvalidOmitted != 3 {
		t.Errorf("%d invalid named and %d omitted, want %d and 3", len(check.Invalid), check.InvalidOmitted, maxInvalidObjects)
	}
	if got := check.Invalid[0]; got.ID() != "default/bad-00" || len(got.Errors) != 1 || !strings.Contains(got.Errors[0], "spec.mode") {
		t.Errorf("first invalid object = %+v, want default/bad-00 with the spec.mode error", got)
	}
	// The removed field is counted before pruning drops it.
	if check.Used("spec.legacy") != 1 || check.Used("spec.unused") != 0 {
		t.Errorf("used: spec.legacy %d, spec.unused %d, want 1 and 0", check.Used("spec.legacy"), check.Used("spec.unused"))
	}
}

func TestObjectScanRecordsListFailure(t *testing.T) {
	client := fakeDynamic{res: &pagedObjects{err: errors.New("connection refused")}}
	v, err := NewObjectValidator(probeCRD(t), "v1")
	if err != nil {
		t.Fatal(err)
	}
	check := (&objectScan{client: client, retry: noRetry, gvr: probeGVR, validator: v}).run(context.Background())
	if !strings.Contains(check.Error, "connection refused") {
		t.Errorf("error %q, want the list failure", check.Error)
	}
}

func TestInvalidObjectCapsErrors(t *testing.T) {
	var errs field.ErrorList
	for i := range maxObjectErrors + 2 {
		errs = append(errs, field.Invalid(field.NewPath("spec", "tags").Index(i), "a", "bad"))
	}
	got := invalidObject(probe("p", nil), errs)
	if got.ID() != "default/p" || len(got.Errors) != maxObjectErrors || got.ErrorsOmitted != 2 {
		t.Errorf("got %s with %d errors, %d omitted; want default/p with %d and 2", got.ID(), len(got.Errors), got.ErrorsOmitted, maxObjectErrors)
	}
	if !strings.HasPrefix(got.Errors[0], "spec.tags[0]: Invalid value") {
		t.Errorf("first error %q", got.Errors[0])
	}
}
