package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GlobalTrafficPolicy decides how traffic to the service of the same name
// and namespace is spread across the clusters that export it.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced
// +kubebuilder:metadata:labels="app.kubernetes.io/name=flomesh.io"
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=".metadata.creationTimestamp"
type GlobalTrafficPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the policy.
	Spec GlobalTrafficPolicySpec `json:"spec,omitempty"`

	// Status is the observed state of the policy; it has no fields yet.
	Status GlobalTrafficPolicyStatus `json:"status,omitempty"`
}

// GlobalTrafficPolicySpec is the desired state of a GlobalTrafficPolicy.
type GlobalTrafficPolicySpec struct {
	// LbType is how traffic is spread. Defaults to Locality.
	// +kubebuilder:validation:Required
	// +kubebuilder:default=Locality
	LbType GlobalLoadBalancerType `json:"lbType"`

	// Targets are the clusters that receive traffic, with their weights.
	Targets []TrafficTarget `json:"targets,omitempty"`
}

// GlobalLoadBalancerType is a way of spreading traffic across clusters.
// +kubebuilder:validation:Enum=Locality;ActiveActive;FailOver
type GlobalLoadBalancerType string

// The ways a GlobalTrafficPolicy can spread traffic.
const (
	// LocalityLbType keeps traffic in the local cluster.
	LocalityLbType GlobalLoadBalancerType = "Locality"
	// ActiveActiveLbType spreads traffic over the targets by weight.
	ActiveActiveLbType GlobalLoadBalancerType = "ActiveActive"
	// FailOverLbType sends traffic to the targets only when the local
	// cluster cannot serve it.
	FailOverLbType GlobalLoadBalancerType = "FailOver"
)

// TrafficTarget is one cluster that receives traffic.
type TrafficTarget struct {
	// ClusterKey names the cluster, as <region>/<zone>/<group>/<cluster>.
	// +kubebuilder:validation:Required
	ClusterKey string `json:"clusterKey"`

	// Weight is the cluster's share of the traffic, relative to the other
	// targets.
	Weight *int `json:"weight,omitempty"`
}

// GlobalTrafficPolicyStatus is the observed state of a GlobalTrafficPolicy.
type GlobalTrafficPolicyStatus struct{}

// GlobalTrafficPolicyList is a list of GlobalTrafficPolicies.
//
// +kubebuilder:object:root=true
type GlobalTrafficPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []GlobalTrafficPolicy `json:"items"`
}
