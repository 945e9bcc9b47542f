package v1alpha1

// This file holds the types that more than one kind of this group uses.

// ResourceReference names a resource in the policy's namespace that the
// policy applies to.
type ResourceReference struct {
	// APIGroup is the API group of the resource; empty for the core group.
	// +kubebuilder:validation:Required
	APIGroup string `json:"apiGroup"`

	// Kind is the kind of the resource.
	// +kubebuilder:validation:Required
	Kind string `json:"kind"`

	// Name is the name of the resource.
	// +kubebuilder:validation:Required
	Name string `json:"name"`
}

// PortSpec is a port number and the protocol spoken on it.
type PortSpec struct {
	// Number is the port number.
	// +kubebuilder:validation:Required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Number int `json:"number"`

	// Protocol is the application protocol on the port, such as http, tcp
	// or grpc.
	// +kubebuilder:validation:Required
	Protocol string `json:"protocol"`
}

// SecretReference names the Secret a certificate is written to.
type SecretReference struct {
	// Name is the name of the Secret.
	// +kubebuilder:validation:Required
	Name string `json:"name"`

	// Namespace is the namespace of the Secret.
	// +kubebuilder:validation:Required
	Namespace string `json:"namespace"`
}

// BackendSpec is a service that receives the traffic an IngressBackend or
// AccessControl admits.
type BackendSpec struct {
	// Name is the name of the backend service.
	// +kubebuilder:validation:Required
	Name string `json:"name"`

	// Port is the backend port the traffic is admitted to.
	// +kubebuilder:validation:Required
	Port PortSpec `json:"port"`

	// TLS, when set, makes the backend accept TLS from its sources.
	TLS *BackendTLSSpec `json:"tls,omitempty"`
}

// BackendTLSSpec is how a backend authenticates TLS sources.
type BackendTLSSpec struct {
	// SkipClientCertValidation accepts sources without checking their
	// client certificates.
	// +kubebuilder:validation:Required
	SkipClientCertValidation bool `json:"skipClientCertValidation"`

	// SNIHosts are the server names the backend accepts; empty accepts any.
	SNIHosts []string `json:"sniHosts,omitempty"`
}

// BackendSource is a peer allowed to reach the backends of an
// IngressBackend or AccessControl.
type BackendSource struct {
	// Kind is the kind of the source, such as Service,
	// AuthenticatedPrincipal or IPRange.
	// +kubebuilder:validation:Required
	Kind string `json:"kind"`

	// Name is the name of the source: a service name, a principal or a
	// CIDR, depending on Kind.
	// +kubebuilder:validation:Required
	Name string `json:"name"`

	// Namespace is the namespace of the source, for kinds that have one.
	Namespace string `json:"namespace,omitempty"`
}

// PolicyStatus is what the controller reports about a policy.
type PolicyStatus struct {
	// CurrentStatus is a one-word state, such as committed or rejected.
	CurrentStatus string `json:"currentStatus,omitempty"`

	// Reason explains CurrentStatus.
	Reason string `json:"reason,omitempty"`
}
