// Package v1alpha4 holds version v1alpha4 of the SMI split API (group
// split.smi-spec.io): TrafficSplit, which shares the traffic sent to one
// service among several backend services by weight.
//
// +groupName=split.smi-spec.io
// +kubebuilder:object:generate=true
// +kubebuilder:validation:Optional
package v1alpha4
