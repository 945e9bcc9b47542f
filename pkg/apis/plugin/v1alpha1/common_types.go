package v1alpha1

// ResourceReference names a resource, by API group, kind and name, that a
// plugin, chain or config is restricted to.
type ResourceReference struct {
	// APIGroup is the API group of the resource; empty means the core group.
	// +kubebuilder:validation:Required
	APIGroup string `json:"apiGroup"`

	// Kind is the kind of the resource.
	// +kubebuilder:validation:Required
	Kind string `json:"kind"`

	// Name is the name of the resource.
	// +kubebuilder:validation:Required
	Name string `json:"name"`
}

// Status is the state the controller last reported for a plugin resource.
type Status struct {
	// CurrentStatus is a short summary of the resource's state, shown by
	// kubectl get.
	CurrentStatus string `json:"currentStatus,omitempty"`

	// Reason explains the current status.
	Reason string `json:"reason,omitempty"`
}
