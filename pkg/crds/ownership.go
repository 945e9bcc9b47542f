package crds

import (
	"bytes"
	"fmt"
	"sort"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/util/csaupgrade"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// caBundlePath is the field cert-manager's cainjector writes when apply
// sends no caBundle; its owner must keep it.
var caBundlePath = fieldpath.MakePathOrDie("spec", "conversion", "webhook", "clientConfig", "caBundle")

// legacyOwners are the field managers through which earlier releases wrote
// the CRDs with Update rather than server-side apply: client-side kubectl
// apply (kubectl-client-side-apply and before-first-apply; plain "kubectl" in
// kubectl before 1.19), the osm-bootstrap binary's Get-then-Update, and Helm.
var legacyOwners = sets.New("kubectl-client-side-apply", "before-first-apply", "kubectl", "osm-bootstrap", "helm")

// legacyManagers returns the legacy owners that hold fields of the live CRD.
// Their fields move to FieldManager before apply, so that what the bundle no
// longer has is really removed, the last-applied-configuration annotation
// included. Other writers (an operator's kubectl edit, cert-manager's
// cainjector) keep what they own: a forced apply takes back only the fields
// the bundle sets. With keepCABundle, a legacy owner of the caBundle keeps
// its fields too.
func legacyManagers(live *apiextensionsv1.CustomResourceDefinition, keepCABundle bool) []string {
	names := sets.New[string]()
	for _, e := range live.ManagedFields {
		if e.Operation != metav1.ManagedFieldsOperationUpdate || e.Subresource != "" || !legacyOwners.Has(e.Manager) {
			continue
		}
		if keepCABundle && fieldsOf(e).Has(caBundlePath) {
			continue
		}
		names.Insert(e.Manager)
	}
	return sets.List(names)
}

// ownershipPatch returns the JSON patch that moves the managers' fields to
// FieldManager, with the live resourceVersion as a precondition; nil when
// there is nothing to move.
func ownershipPatch(live *apiextensionsv1.CustomResourceDefinition, managers []string) ([]byte, error) {
	if len(managers) == 0 {
		return nil, nil
	}
	patch, err := csaupgrade.UpgradeManagedFieldsPatch(live, sets.New(managers...), FieldManager)
	if err != nil {
		return nil, fmt.Errorf("move field ownership of %v: %w", managers, err)
	}
	return patch, nil
}

// takenOver describes, per other manager, how many fields of the main
// resource it owned before and FieldManager owns after: the conflicts a
// forced apply or an ownership move resolved.
func takenOver(before, after *apiextensionsv1.CustomResourceDefinition) []string {
	if before == nil {
		return nil
	}
	remaining := map[string]*fieldpath.Set{}
	for _, e := range after.ManagedFields {
		if e.Subresource == "" {
			remaining[e.Manager+"/"+string(e.Operation)] = fieldsOf(e)
		}
	}
	var out []string
	for _, e := range before.ManagedFields {
		if e.Subresource != "" || e.Manager == FieldManager {
			continue
		}
		lost := fieldsOf(e)
		if still, ok := remaining[e.Manager+"/"+string(e.Operation)]; ok {
			lost = lost.Difference(still)
		}
		if n := lost.Size(); n > 0 {
			out = append(out, fmt.Sprintf("%s (%s): %d fields", e.Manager, e.Operation, n))
		}
	}
	sort.Strings(out)
	return out
}

// fieldsOf decodes a managed fields entry; an undecodable entry counts as
// owning nothing.
func fieldsOf(e metav1.ManagedFieldsEntry) *fieldpath.Set {
	set := fieldpath.NewSet()
	if e.FieldsV1 == nil {
		return set
	}
	if err := set.FromJSON(bytes.NewReader(e.FieldsV1.Raw)); err != nil {
		return fieldpath.NewSet()
	}
	return set
}
