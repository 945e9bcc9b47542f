package crds

import (
	"fmt"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/utils/ptr"
)

// Names in the cluster that every part of the project agrees on.
const (
	// FieldManager is the server-side apply field manager of every write.
	FieldManager = "init-osm-bootstrap"
	// BundleVersionAnnotation records the version of the bundle a CRD came from.
	BundleVersionAnnotation = "openservicemesh.io/bundle-version"
	// ConversionOwnerAnnotation names the webhook Service, as
	// <namespace>/<service>, that converts a CRD's objects.
	ConversionOwnerAnnotation = "openservicemesh.io/conversion-owner"
	// ConvertPathPrefix is the webhook path of a CRD without its name.
	ConvertPathPrefix = "/convert/"
)

// ConversionStrategy says how the API server converts between versions.
type ConversionStrategy string

// The conversion strategies apply can set up.
const (
	// ConversionWebhook serves every version through the conversion webhook.
	ConversionWebhook ConversionStrategy = "webhook"
	// ConversionNone serves, besides the storage version, only the versions
	// whose schema equals the storage version's; the others are unserved.
	ConversionNone ConversionStrategy = "none"
)

// Conversion describes the conversion stanza apply writes.
type Conversion struct {
	Strategy ConversionStrategy
	// ServiceNamespace, ServiceName and ServicePort locate the webhook
	// Service; ignored when URL is set.
	ServiceNamespace string
	ServiceName      string
	ServicePort      int32
	// URL is the base URL of a webhook outside the cluster; the CRD's path
	// is appended.
	URL string
	// CABundle is the PEM the API server trusts the webhook with; nil sends
	// none (for cert-manager's cainjector to fill).
	CABundle []byte
}

// Owner returns the value of the conversion-owner annotation.
func (c Conversion) Owner() string {
	return c.ServiceNamespace + "/" + c.ServiceName
}

// ConvertPath returns the webhook path of the named CRD.
func ConvertPath(crdName string) string {
	return ConvertPathPrefix + crdName
}

// desired is what apply sends for one CRD.
type desired struct {
	crd *apiextensionsv1.CustomResourceDefinition
	// unserved lists the versions apply serves not, for lack of a webhook.
	unserved []string
}

// desiredCRD returns the bundle's CRD as apply sends it: the bundle version
// annotation, and the conversion stanza conv asks for.
func desiredCRD(bundled *apiextensionsv1.CustomResourceDefinition, bundleVersion string, conv Conversion) (*desired, error) {
	crd := bundled.DeepCopy()
	if crd.Annotations == nil {
		crd.Annotations = map[string]string{}
	}
	crd.Annotations[BundleVersionAnnotation] = bundleVersion

	if len(crd.Spec.Versions) == 1 {
		crd.Spec.Conversion = &apiextensionsv1.CustomResourceConversion{Strategy: apiextensionsv1.NoneConverter}
		return &desired{crd: crd}, nil
	}

	switch conv.Strategy {
	case ConversionWebhook:
		crd.Annotations[ConversionOwnerAnnotation] = conv.Owner()
		crd.Spec.Conversion = webhookConversion(crd.Name, conv)
		return &desired{crd: crd}, nil
	case ConversionNone:
		crd.Spec.Conversion = &apiextensionsv1.CustomResourceConversion{Strategy: apiextensionsv1.NoneConverter}
		unserved, err := unserveReshapedVersions(crd)
		if err != nil {
			return nil, err
		}
		return &desired{crd: crd, unserved: unserved}, nil
	default:
		return nil, fmt.Errorf("unknown conversion strategy %q", conv.Strategy)
	}
}

func webhookConversion(crdName string, conv Conversion) *apiextensionsv1.CustomResourceConversion {
	cfg := &apiextensionsv1.WebhookClientConfig{CABundle: conv.CABundle}
	if conv.URL != "" {
		cfg.URL = ptr.To(conv.URL + ConvertPath(crdName))
	} else {
		cfg.Service = &apiextensionsv1.ServiceReference{
			Namespace: conv.ServiceNamespace,
			Name:      conv.ServiceName,
			Path:      ptr.To(ConvertPath(crdName)),
			Port:      ptr.To(conv.ServicePort),
		}
	}
	return &apiextensionsv1.CustomResourceConversion{
		Strategy: apiextensionsv1.WebhookConverter,
		Webhook: &apiextensionsv1.WebhookConversion{
			ClientConfig:             cfg,
			ConversionReviewVersions: []string{"v1", "v1beta1"},
		},
	}
}

// unserveReshapedVersions marks as not served every version whose schema
// differs from the storage version's: without a webhook, the API server
// converts by rewriting apiVersion, which would drop what the storage schema
// lacks. It returns the names of those versions.
func unserveReshapedVersions(crd *apiextensionsv1.CustomResourceDefinition) ([]string, error) {
	storage, err := storageVersionOf(crd)
	if err != nil {
		return nil, err
	}
	var unserved []string
	for i := range crd.Spec.Versions {
		v := &crd.Spec.Versions[i]
		if v.Storage || schemaOf(v) == nil || SchemasEqual(schemaOf(v), schemaOf(storage)) {
			continue
		}
		v.Served = false
		unserved = append(unserved, v.Name)
	}
	return unserved, nil
}

func storageVersionOf(crd *apiextensionsv1.CustomResourceDefinition) (*apiextensionsv1.CustomResourceDefinitionVersion, error) {
	name, err := StorageVersion(crd)
	if err != nil {
		return nil, err
	}
	return versionOf(crd, name), nil
}

// versionOf returns the named version of crd, or nil.
func versionOf(crd *apiextensionsv1.CustomResourceDefinition, name string) *apiextensionsv1.CustomResourceDefinitionVersion {
	for i := range crd.Spec.Versions {
		if crd.Spec.Versions[i].Name == name {
			return &crd.Spec.Versions[i]
		}
	}
	return nil
}

func schemaOf(v *apiextensionsv1.CustomResourceDefinitionVersion) *apiextensionsv1.JSONSchemaProps {
	if v == nil || v.Schema == nil {
		return nil
	}
	return v.Schema.OpenAPIV3Schema
}
