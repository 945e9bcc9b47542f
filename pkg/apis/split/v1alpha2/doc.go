// Package v1alpha2 holds version v1alpha2 of the SMI split API (group
// split.smi-spec.io): TrafficSplit, which shares the traffic sent to one
// service among several backend services by weight.
//
// +groupName=split.smi-spec.io
// +kubebuilder:object:generate=true
// +kubebuilder:validation:Optional
package v1alpha2
