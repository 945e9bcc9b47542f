package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// AccessControl allows sources the mesh does not manage to reach services
// inside it.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=accesscontrols,singular=accesscontrol,scope=Namespaced,shortName=accesscontrol
// +kubebuilder:metadata:labels="app.kubernetes.io/name=openservicemesh.io"
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=".status.currentStatus",description="State of the policy as reported by the controller"
type AccessControl struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the access control policy.
	Spec AccessControlSpec `json:"spec,omitempty"`

	// Status is written by the controller.
	// ---
	// Its schema stays open, as in v1.3.9, so that a status any controller
	// version wrote is kept as it is.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Status PolicyStatus `json:"status,omitempty"`
}

// AccessControlList is a list of AccessControl policies.
//
// +kubebuilder:object:root=true
type AccessControlList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []AccessControl `json:"items"`
}

// AccessControlSpec states which sources may reach which backends.
type AccessControlSpec struct {
	// Backends are the services the sources may reach.
	// +kubebuilder:validation:Required
	Backends []BackendSpec `json:"backends"`

	// Sources are the peers allowed to reach them.
	// +kubebuilder:validation:Required
	Sources []BackendSource `json:"sources"`

	// Matches narrow the policy to the referenced resources.
	Matches []ResourceReference `json:"matches,omitempty"`
}
