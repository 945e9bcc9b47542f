// Package v1alpha1 holds the types of the policy.openservicemesh.io/v1alpha1
// API: the osm-edge policies for egress, ingress, retries, upstream traffic,
// access control and access certificates. The CRD manifests are generated
// from them.
//
// +groupName=policy.openservicemesh.io
// +kubebuilder:object:generate=true
// +kubebuilder:validation:Optional
package v1alpha1
