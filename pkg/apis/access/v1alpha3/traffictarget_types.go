package v1alpha3

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TrafficTarget allows the sources it lists to reach its destination, on the
// routes its rules name. Traffic that no TrafficTarget allows is denied.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,shortName=tt
// +kubebuilder:metadata:labels="app.kubernetes.io/name=openservicemesh.io"
// +kubebuilder:storageversion
type TrafficTarget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec says who may reach which destination, and over which routes.
	Spec TrafficTargetSpec `json:"spec,omitempty"`
}

// TrafficTargetSpec is the desired state of a TrafficTarget.
type TrafficTargetSpec struct {
	// Destination is the workload that receives the allowed traffic.
	// +kubebuilder:validation:Required
	Destination Subject `json:"destination"`

	// Sources are the workloads allowed to send traffic to the destination.
	// +kubebuilder:validation:Required
	Sources []Subject `json:"sources"`

	// Rules are the routes, and the matches within them, on which traffic is
	// allowed.
	// +kubebuilder:validation:Required
	Rules []Rule `json:"rules"`
}

// Subject names a workload by its identity, in practice a ServiceAccount.
type Subject struct {
	// Kind is the kind of the identity, such as ServiceAccount.
	// +kubebuilder:validation:Required
	Kind string `json:"kind"`

	// Name is the name of the identity.
	// +kubebuilder:validation:Required
	Name string `json:"name"`

	// Namespace is the namespace of the identity; empty means the namespace
	// of the TrafficTarget.
	Namespace string `json:"namespace,omitempty"`
}

// RouteKind is the kind of a route resource a rule refers to.
// +kubebuilder:validation:Enum=HTTPRouteGroup;TCPRoute;UDPRoute
type RouteKind string

// The route kinds a rule may refer to.
const (
	RouteKindHTTPRouteGroup RouteKind = "HTTPRouteGroup"
	RouteKindTCPRoute       RouteKind = "TCPRoute"
	RouteKindUDPRoute       RouteKind = "UDPRoute"
)

// Rule refers to a route resource in the TrafficTarget's namespace and,
// optionally, to some of the matches it defines.
type Rule struct {
	// Kind is the kind of the route resource.
	// +kubebuilder:validation:Required
	Kind RouteKind `json:"kind"`

	// Name is the name of the route resource.
	// +kubebuilder:validation:Required
	Name string `json:"name"`

	// Matches are names of matches defined by the route resource; empty
	// means all of them.
	Matches []string `json:"matches,omitempty"`
}

// TrafficTargetList is a list of TrafficTargets.
//
// +kubebuilder:object:root=true
type TrafficTargetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the TrafficTargets in the list.
	Items []TrafficTarget `json:"items"`
}
