// Package v1alpha1 holds version v1alpha1 of the SMI specs API (group
// specs.smi-spec.io): HTTPRouteGroup, which defines HTTP routes by method,
// path and headers for TrafficTargets and TrafficSplits to refer to.
//
// +groupName=specs.smi-spec.io
// +kubebuilder:object:generate=true
// +kubebuilder:validation:Optional
package v1alpha1
