package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// HTTPRouteGroup defines a set of named HTTP routes. In this version the
// matches sit at the top level of the object, not under a spec.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,shortName=htr
// +kubebuilder:metadata:labels="app.kubernetes.io/name=openservicemesh.io"
// +kubebuilder:deprecatedversion:warning="specs.smi-spec.io/v1alpha1 HTTPRouteGroup is deprecated; use specs.smi-spec.io/v1alpha4 HTTPRouteGroup"
type HTTPRouteGroup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Matches are the routes of the group.
	// +kubebuilder:validation:Required
	Matches []HTTPMatch `json:"matches"`
}

// HTTPMatch is one named HTTP route: a request matches it when it matches
// every condition that is set.
type HTTPMatch struct {
	// Name identifies the match, so that rules can refer to it.
	// +kubebuilder:validation:Required
	Name string `json:"name"`

	// Methods are the HTTP methods that match; "*" matches any method.
	Methods []HTTPMethod `json:"methods,omitempty"`

	// PathRegex is a regular expression the request path must match.
	PathRegex string `json:"pathRegex,omitempty"`

	// Headers are header conditions the request must meet.
	Headers []HeaderMatch `json:"headers,omitempty"`
}

// HTTPMethod is an HTTP request method, or "*" for any method.
// +kubebuilder:validation:Enum="*";GET;HEAD;PUT;POST;DELETE;CONNECT;OPTIONS;TRACE;PATCH
type HTTPMethod string

// HeaderMatch maps header names to regular expressions that the values of
// those headers must match.
type HeaderMatch map[string]string

// HTTPRouteGroupList is a list of HTTPRouteGroups.
//
// +kubebuilder:object:root=true
type HTTPRouteGroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the HTTPRouteGroups in the list.
	Items []HTTPRouteGroup `json:"items"`
}
