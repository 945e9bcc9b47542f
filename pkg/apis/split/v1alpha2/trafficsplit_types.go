package v1alpha2

import (
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TrafficSplit shares the traffic sent to a root service among backend
// services, in proportion to their weights.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,shortName=ts
// +kubebuilder:metadata:labels="app.kubernetes.io/name=openservicemesh.io"
// +kubebuilder:printcolumn:name="Service",type=string,JSONPath=".spec.service",description="The root service whose traffic is split"
// +kubebuilder:deprecatedversion:warning="split.smi-spec.io/v1alpha2 TrafficSplit is deprecated; use split.smi-spec.io/v1alpha4 TrafficSplit"
type TrafficSplit struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec says which service's traffic is split, and how.
	Spec TrafficSplitSpec `json:"spec,omitempty"`
}

// TrafficSplitSpec is the desired state of a TrafficSplit.
type TrafficSplitSpec struct {
	// Service is the name of the root service, the one clients address.
	// +kubebuilder:validation:Required
	Service string `json:"service"`

	// Backends are the services that receive the traffic, with their shares.
	// +kubebuilder:validation:Required
	Backends []Backend `json:"backends"`
}

// Backend is a service that receives a share of a TrafficSplit's traffic.
type Backend struct {
	// Service is the name of the backend service.
	// +kubebuilder:validation:Required
	Service string `json:"service"`

	// Weight is the backend's share of the traffic, relative to the sum of
	// all weights. It is a number rather than an integer, as it has always
	// been in this schema.
	// +kubebuilder:validation:Required
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=number
	Weight json.Number `json:"weight"`
}

// TrafficSplitList is a list of TrafficSplits.
//
// +kubebuilder:object:root=true
type TrafficSplitList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the TrafficSplits in the list.
	Items []TrafficSplit `json:"items"`
}
