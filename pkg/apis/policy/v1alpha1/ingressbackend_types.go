package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// IngressBackend admits traffic from sources outside the mesh, such as an
// ingress controller, to services inside it.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=ingressbackends,singular=ingressbackend,scope=Namespaced,shortName=ingressbackend
// +kubebuilder:metadata:labels="app.kubernetes.io/name=openservicemesh.io"
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=".status.currentStatus",description="State of the policy as reported by the controller"
type IngressBackend struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the ingress policy.
	Spec IngressBackendSpec `json:"spec,omitempty"`

	// Status is written by the controller.
	// ---
	// Its schema stays open, as in v1.3.9, so that a status any controller
	// version wrote is kept as it is.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Status PolicyStatus `json:"status,omitempty"`
}

// IngressBackendList is a list of IngressBackend policies.
//
// +kubebuilder:object:root=true
type IngressBackendList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []IngressBackend `json:"items"`
}

// IngressBackendSpec states which sources may reach which backends.
type IngressBackendSpec struct {
	// Backends are the services that receive the traffic.
	// +kubebuilder:validation:Required
	Backends []BackendSpec `json:"backends"`

	// Sources are the peers allowed to send it.
	// +kubebuilder:validation:Required
	Sources []BackendSource `json:"sources"`

	// Matches narrow the policy to the referenced resources.
	Matches []ResourceReference `json:"matches,omitempty"`
}
