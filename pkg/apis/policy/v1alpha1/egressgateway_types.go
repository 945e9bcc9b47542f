package v1alpha1

import (
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// EgressGateway routes egress traffic through gateway services instead of
// sending it out directly.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=egressgateways,singular=egressgateway,scope=Namespaced,shortName=egressgateway
// +kubebuilder:metadata:labels="app.kubernetes.io/name=openservicemesh.io"
type EgressGateway struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the egress gateway policy.
	Spec EgressGatewaySpec `json:"spec,omitempty"`
}

// EgressGatewayList is a list of EgressGateway policies.
//
// +kubebuilder:object:root=true
type EgressGatewayList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []EgressGateway `json:"items"`
}

// EgressGatewaySpec chooses the gateways for egress traffic: per Egress
// policy in Rules, and Global for the policies no rule names.
type EgressGatewaySpec struct {
	// Global are the gateways for every Egress policy that no rule names.
	Global []GatewayService `json:"global,omitempty"`

	// Rules assign gateways to named Egress policies.
	Rules []EgressGatewayRule `json:"rules,omitempty"`

	// Matches narrow the policy to the referenced resources.
	Matches []ResourceReference `json:"matches,omitempty"`
}

// EgressGatewayRule sends the traffic of some Egress policies through some
// gateways.
type EgressGatewayRule struct {
	// EgressPolicies are the Egress policies the rule applies to.
	// +kubebuilder:validation:Required
	EgressPolicies []EgressPolicyReference `json:"egressPolicies"`

	// EgressGateways are the gateways their traffic goes through.
	// +kubebuilder:validation:Required
	EgressGateways []GatewayService `json:"egressGateways"`
}

// EgressPolicyReference names an Egress policy.
type EgressPolicyReference struct {
	// Name is the name of the Egress.
	// +kubebuilder:validation:Required
	Name string `json:"name"`

	// Namespace is the namespace of the Egress.
	// +kubebuilder:validation:Required
	Namespace string `json:"namespace"`
}

// GatewayService is an egress gateway service and its share of the traffic.
type GatewayService struct {
	// Service is the name of the gateway service.
	// +kubebuilder:validation:Required
	Service string `json:"service"`

	// Namespace is the namespace of the gateway service.
	// +kubebuilder:validation:Required
	Namespace string `json:"namespace"`

	// Weight is the gateway's share of the traffic, relative to the other
	// gateways of the same list.
	// ---
	// A json.Number, not a float64, which controller-gen refuses; Schemaless
	// drops json.Number's own string schema, leaving v1.3.9's {type: number}.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=number
	Weight json.Number `json:"weight,omitempty"`
}
