// Package v1alpha4 holds version v1alpha4 of the SMI specs API (group
// specs.smi-spec.io): HTTPRouteGroup, which defines HTTP routes by method,
// path and headers, and TCPRoute, which defines TCP routes by port, for
// TrafficTargets and TrafficSplits to refer to.
//
// +groupName=specs.smi-spec.io
// +kubebuilder:object:generate=true
// +kubebuilder:validation:Optional
package v1alpha4
