package crds

import (
	"context"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ObjectConverter converts custom resources between the versions of a
// CRD, in-process, as the conversion webhook does; the webhook's
// *conversion.Registry is one. Convert takes a custom resource of the named
// CRD (<plural>.<group>) as decoded from JSON, may change it in place, and
// returns it in desiredAPIVersion (<group>/<version>).
type ObjectConverter interface {
	Convert(crd string, obj any, desiredAPIVersion string) (map[string]any, error)
}

// convertedVersion is a version other than the one objects are read in
// that a check converts each object to and validates in.
type convertedVersion struct {
	version   string
	validator *ObjectValidator
	// convert turns a copy of a stored object into version.
	convert func(obj map[string]any) (map[string]any, error)
}

// check converts a copy of u and validates the result; ok is false, with
// the finding, when the conversion fails or the schema refuses the result.
//
// A required field the result lacks is no finding: conversion never
// invents a value, so a field the version requires and the stored version
// cannot hold (TrafficTarget v1alpha1's destination.port, which v1alpha3
// dropped) is missing from every converted object, whatever the operator
// stores, and an unchanged write-back passes validation ratcheting.
func (c convertedVersion) check(ctx context.Context, u *unstructured.Unstructured) (InvalidObject, bool) {
	obj, err := c.convert(runtime.DeepCopyJSON(u.Object))
	if err != nil {
		return InvalidObject{Namespace: u.GetNamespace(), Name: u.GetName(), Version: c.version, ConversionError: err.Error()}, false
	}
	errs := withoutRequired(c.validator.Validate(ctx, obj))
	if len(errs) == 0 {
		return InvalidObject{}, true
	}
	o := invalidObject(u, errs)
	o.Version = c.version
	return o, false
}

func withoutRequired(errs field.ErrorList) field.ErrorList {
	var out field.ErrorList
	for _, e := range errs {
		if e.Type != field.ErrorTypeRequired {
			out = append(out, e)
		}
	}
	return out
}

// convertedVersions returns, in after's order, the versions other than
// storage that the objects are converted to and validated in: those after
// serves that the live CRD lacks or does not serve, whose schema changes,
// or that a webhook reaches where the live CRD only rewrote apiVersion.
// Other versions show the objects as before the upgrade. Without a
// Converter, versions a webhook converts to are left out.
func (p *Planner) convertedVersions(live, after *apiextensionsv1.CustomResourceDefinition, storage string) (
	[]convertedVersion, error) {
	webhook := convertsByWebhook(after)
	reshaped := webhook && !convertsByWebhook(live)
	var out []convertedVersion
	for i := range after.Spec.Versions {
		v := &after.Spec.Versions[i]
		if v.Name == storage || !v.Served {
			continue
		}
		old := versionOf(live, v.Name)
		if old != nil && old.Served && !reshaped && SchemasEqual(schemaOf(old), schemaOf(v)) {
			continue
		}
		convert := p.convertTo(after, v.Name, webhook)
		if convert == nil {
			continue
		}
		validator, err := NewObjectValidator(after, v.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, convertedVersion{version: v.Name, validator: validator, convert: convert})
	}
	return out, nil
}

// convertTo returns how the API server would turn an object of crd into
// version: through the webhook, whose converters are p.Converter, or, with
// strategy None, by rewriting apiVersion. It is nil for a webhook and no
// Converter.
func (p *Planner) convertTo(crd *apiextensionsv1.CustomResourceDefinition, version string, webhook bool) func(
	map[string]any) (map[string]any, error) {
	apiVersion := crd.Spec.Group + "/" + version
	if !webhook {
		return func(obj map[string]any) (map[string]any, error) {
			obj["apiVersion"] = apiVersion
			return obj, nil
		}
	}
	if p.Converter == nil {
		return nil
	}
	return func(obj map[string]any) (map[string]any, error) {
		return p.Converter.Convert(crd.Name, obj, apiVersion)
	}
}

func convertsByWebhook(crd *apiextensionsv1.CustomResourceDefinition) bool {
	c := crd.Spec.Conversion
	return c != nil && c.Strategy == apiextensionsv1.WebhookConverter
}
