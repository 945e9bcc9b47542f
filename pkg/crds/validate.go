package crds

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
)

// validate checks a bundled CRD with the API server's own validation for a
// CRD create (names, one storage version, structural schemas, defaults,
// printer columns), on a defaulted copy as the server would see it. It also
// refuses a conversion stanza: the apply step owns spec.conversion.
func validate(crd *apiextensionsv1.CustomResourceDefinition) error {
	if crd.Spec.Conversion != nil {
		return errors.New("spec.conversion must not be set in a manifest: apply writes it")
	}

	storage, err := StorageVersion(crd)
	if err != nil {
		return err
	}

	defaulted := crd.DeepCopy()
	apiextensionsv1.SetObjectDefaults_CustomResourceDefinition(defaulted)
	// The server records the storage version on create; validation expects it.
	defaulted.Status.StoredVersions = []string{storage}

	internal := &apiextensions.CustomResourceDefinition{}
	if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(defaulted, internal, nil); err != nil {
		return fmt.Errorf("convert to internal version: %w", err)
	}
	if errs := validation.ValidateCustomResourceDefinition(context.Background(), internal); len(errs) > 0 {
		return errs.ToAggregate()
	}
	return nil
}

// StorageVersion returns the name of the CRD's only storage version, or an
// error when it has none or several.
func StorageVersion(crd *apiextensionsv1.CustomResourceDefinition) (string, error) {
	var found []string
	for _, v := range crd.Spec.Versions {
		if v.Storage {
			found = append(found, v.Name)
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("has %d storage versions %v, want exactly one", len(found), found)
	}
	return found[0], nil
}
