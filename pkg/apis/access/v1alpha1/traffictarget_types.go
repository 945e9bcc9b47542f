package v1alpha1

import (
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TrafficTarget allows the sources it lists to reach its destination, on the
// routes its specs name. This first version has no spec: its fields sit at
// the top level of the object.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,shortName=tt
// +kubebuilder:metadata:labels="app.kubernetes.io/name=openservicemesh.io"
// +kubebuilder:deprecatedversion:warning="access.smi-spec.io/v1alpha1 TrafficTarget is deprecated; use access.smi-spec.io/v1alpha3 TrafficTarget"
type TrafficTarget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Destination is the workload, and the port, that receive the allowed
	// traffic.
	// +kubebuilder:validation:Required
	Destination Destination `json:"destination"`

	// Sources are the workloads allowed to send traffic to the destination.
	Sources []Source `json:"sources,omitempty"`

	// Specs are the routes, and the matches within them, on which traffic is
	// allowed.
	Specs []RouteSpec `json:"specs,omitempty"`
}

// Destination names the workload that receives traffic by its identity, and
// the port the traffic is allowed to.
type Destination struct {
	// Kind is the kind of the identity, such as ServiceAccount.
	// +kubebuilder:validation:Required
	Kind string `json:"kind"`

	// Name is the name of the identity.
	// +kubebuilder:validation:Required
	Name string `json:"name"`

	// Namespace is the namespace of the identity; empty means the namespace
	// of the TrafficTarget.
	Namespace string `json:"namespace,omitempty"`

	// Port is the destination port the traffic is allowed to. The schema has
	// always typed it as a number, not an integer, so it is kept as the JSON
	// number it was written as.
	// +kubebuilder:validation:Required
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=number
	Port json.Number `json:"port"`
}

// Source names a workload allowed to send traffic, by its identity.
type Source struct {
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

// RouteKind is the kind of a route resource a spec refers to.
// +kubebuilder:validation:Enum=HTTPRouteGroup;TCPRoute
type RouteKind string

// The route kinds a spec may refer to.
const (
	RouteKindHTTPRouteGroup RouteKind = "HTTPRouteGroup"
	RouteKindTCPRoute       RouteKind = "TCPRoute"
)

// RouteSpec refers to a route resource in the TrafficTarget's namespace and,
// optionally, to some of the matches it defines.
type RouteSpec struct {
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
