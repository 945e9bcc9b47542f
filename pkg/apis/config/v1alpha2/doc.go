// Package v1alpha2 holds version v1alpha2 of the osm-edge configuration API
// (group config.openservicemesh.io): MeshConfig, the settings of one mesh,
// and MeshRootCertificate, the root of trust its certificates are issued
// from.
//
// Optional booleans and integers are pointers, so that an explicit false or
// 0 survives a round trip through these types.
//
// +groupName=config.openservicemesh.io
// +kubebuilder:object:generate=true
// +kubebuilder:validation:Optional
package v1alpha2
