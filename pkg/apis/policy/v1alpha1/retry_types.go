package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Retry makes the sidecars of a source retry failed requests to some
// destinations.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=retries,singular=retry,scope=Namespaced,shortName=retry
// +kubebuilder:metadata:labels="app.kubernetes.io/name=openservicemesh.io"
type Retry struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the retry policy.
	Spec RetrySpec `json:"spec,omitempty"`
}

// RetryList is a list of Retry policies.
//
// +kubebuilder:object:root=true
type RetryList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []Retry `json:"items"`
}

// RetrySpec says whose requests to which destinations are retried, and how.
type RetrySpec struct {
	// Source is the client whose requests are retried; a ServiceAccount.
	// +kubebuilder:validation:Required
	Source RetryReference `json:"source"`

	// Destinations are the services the retries apply to.
	// +kubebuilder:validation:Required
	Destinations []RetryReference `json:"destinations"`

	// RetryPolicy is when and how often to retry.
	// +kubebuilder:validation:Required
	RetryPolicy RetryPolicySpec `json:"retryPolicy"`
}

// RetryReference names a source or destination of a Retry policy.
type RetryReference struct {
	// Kind is ServiceAccount for the source and Service for a destination.
	// +kubebuilder:validation:Required
	Kind string `json:"kind"`

	// Name is the name of the resource.
	// +kubebuilder:validation:Required
	Name string `json:"name"`

	// Namespace is the namespace of the resource.
	// +kubebuilder:validation:Required
	Namespace string `json:"namespace"`
}

// RetryPolicySpec is when and how often a failed request is retried.
type RetryPolicySpec struct {
	// RetryOn is a comma-separated list of the failures to retry on, such
	// as 5xx or connect-failure.
	// +kubebuilder:validation:Required
	RetryOn string `json:"retryOn"`

	// PerTryTimeout is how long one attempt may take before it counts as
	// failed.
	// +kubebuilder:validation:Required
	PerTryTimeout metav1.Duration `json:"perTryTimeout"`

	// NumRetries is the most retries made for one request.
	// +kubebuilder:validation:Required
	NumRetries int `json:"numRetries"`

	// RetryBackoffBaseInterval is the first wait between retries; it grows
	// exponentially up to ten times this value.
	// +kubebuilder:validation:Required
	RetryBackoffBaseInterval metav1.Duration `json:"retryBackoffBaseInterval"`
}
