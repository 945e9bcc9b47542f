package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Egress allows workloads of the mesh to reach destinations outside it.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=egresses,singular=egress,scope=Namespaced,shortName=egress
// +kubebuilder:metadata:labels="app.kubernetes.io/name=openservicemesh.io"
type Egress struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the egress policy.
	Spec EgressSpec `json:"spec,omitempty"`
}

// EgressList is a list of Egress policies.
//
// +kubebuilder:object:root=true
type EgressList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []Egress `json:"items"`
}

// EgressSpec states which sources may send traffic to which external hosts,
// address ranges and ports.
type EgressSpec struct {
	// Sources are the workloads the policy allows.
	// +kubebuilder:validation:Required
	Sources []EgressSource `json:"sources"`

	// Hosts are the external host names the sources may reach.
	Hosts []string `json:"hosts,omitempty"`

	// IPAddresses are the external address ranges, in CIDR notation, the
	// sources may reach.
	// +kubebuilder:validation:items:Pattern=`((?:\d{1,3}\.){3}\d{1,3})\/(\d{1,2})$`
	IPAddresses []string `json:"ipAddresses,omitempty"`

	// Ports are the external ports the sources may reach.
	// +kubebuilder:validation:Required
	Ports []PortSpec `json:"ports"`

	// Matches narrow the policy to the referenced resources, such as an
	// HTTPRouteGroup.
	Matches []ResourceReference `json:"matches,omitempty"`
}

// EgressSourceKind is the kind of an egress source.
//
// +kubebuilder:validation:Enum=ServiceAccount
type EgressSourceKind string

// EgressSourceKindServiceAccount selects the pods running as a service account.
const EgressSourceKindServiceAccount EgressSourceKind = "ServiceAccount"

// EgressSource is a workload allowed to send egress traffic.
type EgressSource struct {
	// Kind is the kind of the source.
	// +kubebuilder:validation:Required
	Kind EgressSourceKind `json:"kind"`

	// Name is the name of the source.
	// +kubebuilder:validation:Required
	Name string `json:"name"`

	// Namespace is the namespace of the source.
	// +kubebuilder:validation:Required
	Namespace string `json:"namespace"`

	// MTLS, when set, makes the source present a client certificate to the
	// external destination.
	MTLS *EgressMTLS `json:"mtls,omitempty"`
}

// CertificateIssuer says who issues a certificate.
//
// +kubebuilder:validation:Enum=osm;other
type CertificateIssuer string

const (
	// CertificateIssuerOSM is the mesh's own certificate authority.
	CertificateIssuerOSM CertificateIssuer = "osm"

	// CertificateIssuerOther is an authority outside the mesh.
	CertificateIssuerOther CertificateIssuer = "other"
)

// EgressMTLS is the client certificate an egress source presents.
type EgressMTLS struct {
	// Issuer is who issues the certificate.
	// +kubebuilder:validation:Required
	Issuer CertificateIssuer `json:"issuer"`

	// Cert describes the certificate to issue.
	Cert *EgressCertificate `json:"cert,omitempty"`
}

// EgressCertificate describes a client certificate for egress traffic.
type EgressCertificate struct {
	// SerialNumber is the serial number of the certificate.
	// +kubebuilder:validation:Required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	SerialNumber int `json:"sn"`

	// SubjectAltNames are the names the certificate is issued for.
	// +kubebuilder:validation:MinItems=1
	SubjectAltNames []string `json:"subjectAltNames,omitempty"`

	// Expiration is when the certificate expires.
	// +kubebuilder:validation:Required
	Expiration string `json:"expiration"`

	// Secret is where the certificate and its key are stored.
	// +kubebuilder:validation:Required
	Secret SecretReference `json:"secret"`
}
