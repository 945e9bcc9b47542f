// Package v1alpha1 holds version v1alpha1 of the osm-edge configuration API
// (group config.openservicemesh.io): MeshConfig, the settings of one mesh.
// It is deprecated in favour of v1alpha2, which only adds to it.
//
// Optional booleans and integers are pointers, so that an explicit false or
// 0 survives a round trip through these types.
//
// +groupName=config.openservicemesh.io
// +kubebuilder:object:generate=true
// +kubebuilder:validation:Optional
package v1alpha1
