package v1alpha2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// MeshRootCertificate names the root of trust the mesh's certificates are
// issued from, and the provider that holds it.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=meshrootcertificates,singular=meshrootcertificate,scope=Namespaced,shortName=mrc
// +kubebuilder:metadata:labels="app.kubernetes.io/name=openservicemesh.io"
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=".status.state",description="Where the root certificate is in its life cycle"
type MeshRootCertificate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the root certificate's provider and trust domain.
	Spec MeshRootCertificateSpec `json:"spec,omitempty"`

	// Status is written by the control plane. Its fields are not typed: the
	// schema has always kept whatever the controller stored, such as
	// "state".
	Status *runtime.RawExtension `json:"status,omitempty"`
}

// MeshRootCertificateSpec says who provides the root certificate and for
// which trust domain.
type MeshRootCertificateSpec struct {
	// TrustDomain is the domain in the names of the issued certificates,
	// such as "example.com". Defaults to "cluster.local".
	// +kubebuilder:default=cluster.local
	TrustDomain string `json:"trustDomain,omitempty"`

	// Provider is where the root certificate comes from.
	// +kubebuilder:validation:Required
	Provider ProviderSpec `json:"provider"`
}

// ProviderSpec selects the certificate provider: exactly one of its fields
// is set.
//
// +kubebuilder:validation:ExactlyOneOf=certManager;vault;tresor
type ProviderSpec struct {
	// CertManager issues certificates through a cert-manager issuer.
	CertManager *CertManagerProviderSpec `json:"certManager,omitempty"`

	// Vault issues certificates through a HashiCorp Vault PKI.
	Vault *VaultProviderSpec `json:"vault,omitempty"`

	// Tresor issues certificates from a root kept in a Secret, by the
	// control plane itself.
	Tresor *TresorProviderSpec `json:"tresor,omitempty"`
}

// CertManagerProviderSpec names the cert-manager issuer to use.
type CertManagerProviderSpec struct {
	// IssuerName is the name of the Issuer or ClusterIssuer.
	// +kubebuilder:validation:Required
	IssuerName string `json:"issuerName"`

	// IssuerKind is the issuer's kind.
	// +kubebuilder:validation:Required
	// +kubebuilder:validation:Enum=ClusterIssuer;Issuer
	IssuerKind string `json:"issuerKind"`

	// IssuerGroup is the issuer's API group, such as "cert-manager.io".
	// +kubebuilder:validation:Required
	IssuerGroup string `json:"issuerGroup"`
}

// VaultProviderSpec locates the Vault server and the credentials to use.
type VaultProviderSpec struct {
	// Host is the Vault server's host name.
	// +kubebuilder:validation:Required
	Host string `json:"host"`

	// Port is the Vault server's port.
	// +kubebuilder:validation:Required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int `json:"port"`

	// Role is the Vault role the control plane issues certificates with.
	// +kubebuilder:validation:Required
	Role string `json:"role"`

	// Protocol is the scheme used to reach Vault, such as "https".
	// +kubebuilder:validation:Required
	Protocol string `json:"protocol"`

	// Token is where the control plane's Vault token is stored.
	// +kubebuilder:validation:Required
	Token VaultTokenSpec `json:"token"`
}

// VaultTokenSpec points to a Vault token.
type VaultTokenSpec struct {
	// SecretKeyRef is the Secret key holding the token.
	// +kubebuilder:validation:Required
	SecretKeyRef SecretKeyReference `json:"secretKeyRef"`
}

// TresorProviderSpec points to the root certificate of the built-in
// provider.
type TresorProviderSpec struct {
	// CA is the root certificate.
	// +kubebuilder:validation:Required
	CA TresorCASpec `json:"ca"`
}

// TresorCASpec points to the Secret that holds a root certificate and its
// key.
type TresorCASpec struct {
	// SecretRef is the Secret holding the root certificate.
	// +kubebuilder:validation:Required
	SecretRef SecretReference `json:"secretRef"`
}

// MeshRootCertificateList is a list of MeshRootCertificate.
//
// +kubebuilder:object:root=true
type MeshRootCertificateList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the MeshRootCertificates.
	Items []MeshRootCertificate `json:"items"`
}
