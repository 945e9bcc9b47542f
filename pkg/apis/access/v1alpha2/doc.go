// Package v1alpha2 holds version v1alpha2 of the SMI access API (group
// access.smi-spec.io): TrafficTarget, which allows traffic from a set of
// service accounts to a destination over a set of routes.
//
// +groupName=access.smi-spec.io
// +kubebuilder:object:generate=true
// +kubebuilder:validation:Optional
package v1alpha2
