package crds

import (
	"context"
	"fmt"
	"sort"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	structurallisttype "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	schemaobjectmeta "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/client-go/dynamic"
)

// objectPageSize is how many custom resources one list request asks for.
// Each page is checked and dropped before the next is read, so memory
// stays that of one page however many objects are stored.
const objectPageSize = 250

// Caps on what an object check keeps, so that a report stays readable
// (and its memory bounded) when every stored object fails.
const (
	// maxInvalidObjects is how many invalid objects a check names per CRD.
	maxInvalidObjects = 20
	// maxObjectErrors is how many field errors it keeps per object.
	maxObjectErrors = 5
)

// ObjectValidator validates custom resources against one version's schema
// as the API server does once that schema is installed: it prunes unknown
// fields and applies defaults as on every read, then validates as on a
// write (OpenAPI schema, list types, embedded resources, CEL rules).
type ObjectValidator struct {
	structural *structuralschema.Structural
	schema     validation.SchemaValidator
	rules      *cel.Validator
}

// NewObjectValidator returns the validator of the named version of crd.
// A version without a schema accepts everything.
func NewObjectValidator(crd *apiextensionsv1.CustomResourceDefinition, version string) (*ObjectValidator, error) {
	v := versionOf(crd, version)
	if v == nil {
		return nil, fmt.Errorf("CRD %s has no version %s", crd.Name, version)
	}
	internal := &apiextensions.JSONSchemaProps{}
	if s := schemaOf(v); s != nil {
		if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(s, internal, nil); err != nil {
			return nil, fmt.Errorf("convert schema of %s %s: %w", crd.Name, version, err)
		}
	}
	structural, err := structuralschema.NewStructural(internal)
	if err != nil {
		return nil, fmt.Errorf("schema of %s %s is not structural: %w", crd.Name, version, err)
	}
	// The server drops from defaults what the schema would prune; so does this.
	if err := structuraldefaulting.PruneDefaults(structural); err != nil {
		return nil, fmt.Errorf("prune defaults of %s %s: %w", crd.Name, version, err)
	}
	validator, _, err := validation.NewSchemaValidator(internal)
	if err != nil {
		return nil, fmt.Errorf("build validator of %s %s: %w", crd.Name, version, err)
	}
	return &ObjectValidator{
		structural: structural,
		schema:     validator,
		rules:      cel.NewValidator(structural, true, celconfig.PerCallLimit),
	}, nil
}

// Validate prunes and defaults obj in place, then returns what the API
// server would refuse in it on create. An update that leaves the offending
// fields unchanged may still pass (validation ratcheting); a new object of
// the same content would not.
func (v *ObjectValidator) Validate(ctx context.Context, obj map[string]any) field.ErrorList {
	structuralpruning.Prune(obj, v.structural, true)
	structuraldefaulting.PruneNonNullableNullsWithoutDefaults(obj, v.structural)
	structuraldefaulting.Default(obj, v.structural)

	errs := validation.ValidateCustomResource(nil, obj, v.schema)
	errs = append(errs, schemaobjectmeta.Validate(ctx, nil, obj, v.structural, false)...)
	errs = append(errs, structurallisttype.ValidateListSetsAndMaps(nil, v.structural, obj)...)
	if v.rules != nil && len(errs) == 0 {
		// Like the server, run no rule on an object of the wrong shape.
		ruleErrs, _ := v.rules.Validate(ctx, nil, v.structural, obj, nil, celconfig.RuntimeCELCostBudget)
		errs = append(errs, ruleErrs...)
	}
	return errs
}

// ListObjects calls fn with every custom resource of gvr, in every
// namespace, reading them page by page (limit and continue). fn may keep
// nothing of the object it is given beyond the call. Each page request
// goes through retry.
func ListObjects(ctx context.Context, client dynamic.Interface, retry Retrier, gvr schema.GroupVersionResource,
	fn func(*unstructured.Unstructured) error) error {
	opts := metav1.ListOptions{Limit: objectPageSize}
	for {
		var page *unstructured.UnstructuredList
		err := retry(ctx, "list "+gvr.String(), func(ctx context.Context) error {
			var err error
			page, err = client.Resource(gvr).List(ctx, opts)
			return notRetriedIfDenied(err)
		})
		if err != nil {
			return fmt.Errorf("list %s: %w", gvr.GroupResource(), err)
		}
		for i := range page.Items {
			if err := fn(&page.Items[i]); err != nil {
				return err
			}
		}
		next := page.GetContinue()
		if next == "" {
			return nil
		}
		if next == opts.Continue {
			return fmt.Errorf("list %s: the server returned the same continue token twice", gvr.GroupResource())
		}
		opts.Continue = next
	}
}

// ObjectCheck is what a check of one CRD's stored custom resources found.
type ObjectCheck struct {
	// Version is the version the objects were read in and validated
	// against: the live storage version.
	Version string `json:"version"`
	// Converted lists the other versions the objects were converted to,
	// in-process as the conversion webhook would, and validated in: those
	// the bundle adds or newly serves, whose schema changes, or that a
	// webhook reaches where the live CRD only rewrote apiVersion.
	Converted []string `json:"converted,omitempty"`
	// Checked counts the objects read.
	Checked int `json:"checked"`
	// Invalid names the objects the new schema would refuse, or that do
	// not convert, at most maxInvalidObjects of them; InvalidOmitted
	// counts the others.
	Invalid        []InvalidObject `json:"invalid,omitempty"`
	InvalidOmitted int             `json:"invalidOmitted,omitempty"`
	// Error says why the objects could not be checked; then nothing else
	// in the check is known.
	Error string `json:"error,omitempty"`
	// NotChecked says why the objects need no check, such as a schema
	// that does not change.
	NotChecked string `json:"notChecked,omitempty"`
	// used counts, per Fact.Path asked about, the objects with a value there.
	used map[string]int
}

// Used returns how many checked objects hold a value at path, one of the
// paths the check was asked about.
func (c *ObjectCheck) Used(path string) int { return c.used[path] }

// InvalidObject is a stored custom resource the new schema would refuse,
// or that does not convert to one of the versions checked.
type InvalidObject struct {
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	// Version is the version the object was converted to and failed in;
	// empty for the version it was read in.
	Version string `json:"version,omitempty"`
	// Errors are the field errors, at most maxObjectErrors; ErrorsOmitted
	// counts the others.
	Errors        []string `json:"errors,omitempty"`
	ErrorsOmitted int      `json:"errorsOmitted,omitempty"`
	// ConversionError is why the object does not convert to Version; then
	// Errors is empty.
	ConversionError string `json:"conversionError,omitempty"`
}

// ID is namespace/name, or the name of a cluster-scoped object.
func (o InvalidObject) ID() string {
	if o.Namespace == "" {
		return o.Name
	}
	return o.Namespace + "/" + o.Name
}

// objectScan is the input of one CRD's object check.
type objectScan struct {
	client dynamic.Interface
	retry  Retrier
	gvr    schema.GroupVersionResource
	// validator is the new schema of gvr.Version.
	validator *ObjectValidator
	// converted are the other versions each object is converted to and
	// validated in.
	converted []convertedVersion
	// paths are the Fact.Paths whose use is counted, before pruning.
	paths []string
}

// run lists and validates every object. A failure to list or validate is
// recorded in the check, not returned: the rest of the plan goes on.
func (s *objectScan) run(ctx context.Context) *ObjectCheck {
	check := &ObjectCheck{Version: s.gvr.Version, used: map[string]int{}}
	for _, c := range s.converted {
		check.Converted = append(check.Converted, c.version)
	}
	err := ListObjects(ctx, s.client, s.retry, s.gvr, func(u *unstructured.Unstructured) error {
		return s.checkOne(ctx, check, u)
	})
	if err != nil {
		check.Error = err.Error()
	}
	sort.Slice(check.Invalid, func(i, j int) bool {
		a, b := check.Invalid[i], check.Invalid[j]
		if a.ID() != b.ID() {
			return a.ID() < b.ID()
		}
		return a.Version < b.Version
	})
	return check
}

// checkOne counts the fields in use, then validates the object in the
// other versions and last in its own, which prunes it in place. An object
// the new schema of its own version refuses is named for that version
// only: conversion carries a value the source rejects along unchanged, so
// the other versions would repeat the same errors.
func (s *objectScan) checkOne(ctx context.Context, check *ObjectCheck, u *unstructured.Unstructured) error {
	check.Checked++
	for _, p := range s.paths {
		used, err := UsesField(u.Object, p)
		if err != nil {
			return fmt.Errorf("check use of %s: %w", p, err)
		}
		if used {
			check.used[p]++
		}
	}
	var found []InvalidObject
	for _, c := range s.converted {
		if o, ok := c.check(ctx, u); !ok {
			found = append(found, o)
		}
	}
	if errs := s.validator.Validate(ctx, u.Object); len(errs) > 0 {
		found = []InvalidObject{invalidObject(u, errs)}
	}
	for _, o := range found {
		check.add(o)
	}
	return nil
}

// add records an invalid object, or only counts it beyond the cap.
func (c *ObjectCheck) add(o InvalidObject) {
	if len(c.Invalid) >= maxInvalidObjects {
		c.InvalidOmitted++
		return
	}
	c.Invalid = append(c.Invalid, o)
}

func invalidObject(u *unstructured.Unstructured, errs field.ErrorList) InvalidObject {
	o := InvalidObject{Namespace: u.GetNamespace(), Name: u.GetName()}
	for i, e := range errs {
		if i == maxObjectErrors {
			o.ErrorsOmitted = len(errs) - i
			break
		}
		o.Errors = append(o.Errors, e.Error())
	}
	return o
}

// deniedError carries a 401 or 403 answer past the retrier, which would
// otherwise retry it for its auth window: plan is run by a person, whose
// permissions do not arrive a few seconds late as a new pod's may.
type deniedError struct{ err error }

func (e deniedError) Error() string { return e.err.Error() }

// notRetriedIfDenied hides a 401 or 403 from the retrier.
func notRetriedIfDenied(err error) error {
	if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
		return deniedError{err}
	}
	return err
}
