package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// AccessCert asks the mesh to issue a certificate, signed by its own
// authority, into a Secret, for clients outside the mesh.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=accesscerts,singular=accesscert,scope=Namespaced,shortName=acct
// +kubebuilder:metadata:labels="app.kubernetes.io/name=openservicemesh.io"
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=".status.currentStatus",description="State of the certificate request as reported by the controller"
type AccessCert struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the certificate request.
	Spec AccessCertSpec `json:"spec,omitempty"`

	// Status is written by the controller.
	// ---
	// Its schema stays open, as in v1.3.9, so that a status any controller
	// version wrote is kept as it is.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Status PolicyStatus `json:"status,omitempty"`
}

// AccessCertList is a list of AccessCert requests.
//
// +kubebuilder:object:root=true
type AccessCertList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []AccessCert `json:"items"`
}

// AccessCertSpec is the certificate to issue and where to store it.
type AccessCertSpec struct {
	// SubjectAltNames holds the one name the certificate is issued for.
	// +kubebuilder:validation:Required
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=1
	SubjectAltNames []string `json:"subjectAltNames"`

	// Secret is where the certificate and its key are stored.
	// +kubebuilder:validation:Required
	Secret SecretReference `json:"secret"`

	// Matches narrow the request to the referenced resources.
	Matches []ResourceReference `json:"matches,omitempty"`
}
