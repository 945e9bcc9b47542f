package v1alpha2

// SecretReference names a Secret in any namespace.
type SecretReference struct {
	// Name is the Secret's name.
	// +kubebuilder:validation:Required
	Name string `json:"name"`

	// Namespace is the Secret's namespace.
	// +kubebuilder:validation:Required
	Namespace string `json:"namespace"`
}

// SecretKeyReference names one key of a Secret in any namespace.
type SecretKeyReference struct {
	// Name is the Secret's name.
	// +kubebuilder:validation:Required
	Name string `json:"name"`

	// Key is the key within the Secret.
	// +kubebuilder:validation:Required
	Key string `json:"key"`

	// Namespace is the Secret's namespace.
	// +kubebuilder:validation:Required
	Namespace string `json:"namespace"`
}
