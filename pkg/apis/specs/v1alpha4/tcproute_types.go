package v1alpha4

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TCPRoute defines a TCP route by the destination ports it matches.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,shortName=tr
// +kubebuilder:metadata:labels="app.kubernetes.io/name=openservicemesh.io"
type TCPRoute struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec holds the match conditions of the route.
	Spec TCPRouteSpec `json:"spec,omitempty"`
}

// TCPRouteSpec is the desired state of a TCPRoute.
type TCPRouteSpec struct {
	// Matches are the conditions TCP traffic must meet to be on this route.
	// +kubebuilder:validation:Required
	Matches TCPMatch `json:"matches"`
}

// TCPMatch selects TCP traffic by destination port.
type TCPMatch struct {
	// Ports are the destination ports that match.
	// +kubebuilder:validation:Required
	Ports []int `json:"ports"`
}

// TCPRouteList is a list of TCPRoutes.
//
// +kubebuilder:object:root=true
type TCPRouteList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the TCPRoutes in the list.
	Items []TCPRoute `json:"items"`
}
