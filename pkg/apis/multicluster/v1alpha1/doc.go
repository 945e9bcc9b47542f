// Package v1alpha1 holds version v1alpha1 of the osm-edge multi-cluster API
// (group flomesh.io): ServiceExport, which offers a service to the other
// clusters; ServiceImport, the local view of a service other clusters offer;
// and GlobalTrafficPolicy, which spreads a service's traffic across clusters.
//
// +groupName=flomesh.io
// +kubebuilder:object:generate=true
// +kubebuilder:validation:Optional
package v1alpha1
