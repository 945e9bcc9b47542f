package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PluginChain puts plugins into the processing chains of the sidecars of
// the pods it selects.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,shortName=pichn
// +kubebuilder:metadata:labels="app.kubernetes.io/name=openservicemesh.io"
// +kubebuilder:subresource:status
type PluginChain struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec says which plugins run in which chain, and for which pods.
	Spec PluginChainSpec `json:"spec,omitempty"`

	// Status is written by the controller. Its schema keeps any field, as
	// osm-edge's did.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Status Status `json:"status,omitempty"`
}

// PluginChainSpec is the desired state of a PluginChain.
type PluginChainSpec struct {
	// Chains lists, per sidecar chain, the plugins to run in it.
	// +kubebuilder:validation:Required
	Chains []Chain `json:"chains"`

	// Selectors choose the pods whose sidecars get the chains.
	// +kubebuilder:validation:Required
	Selectors ChainSelectors `json:"selectors"`

	// Matches restricts the chain to the resources listed.
	Matches []ResourceReference `json:"matches,omitempty"`
}

// ChainName names one of the sidecar's processing chains.
// +kubebuilder:validation:Enum=inbound-tcp;inbound-http;outbound-http;outbound-tcp
type ChainName string

// The sidecar chains a plugin can be put into.
const (
	ChainInboundTCP   ChainName = "inbound-tcp"
	ChainInboundHTTP  ChainName = "inbound-http"
	ChainOutboundHTTP ChainName = "outbound-http"
	ChainOutboundTCP  ChainName = "outbound-tcp"
)

// Chain is one sidecar chain and the plugins added to it.
type Chain struct {
	// Name is the chain the plugins are added to.
	// +kubebuilder:validation:Required
	Name ChainName `json:"name"`

	// Plugins are the names of the Plugins to add.
	// +kubebuilder:validation:Required
	Plugins []string `json:"plugins"`
}

// ChainSelectors choose pods by their own labels and by the labels of their
// namespace.
type ChainSelectors struct {
	// PodSelector selects pods by their labels.
	PodSelector *Selector `json:"podSelector,omitempty"`

	// NamespaceSelector selects pods by the labels of their namespace.
	NamespaceSelector *Selector `json:"namespaceSelector,omitempty"`
}

// Selector is a label selector. Unlike metav1.LabelSelector, every
// expression must list its values, even for Exists and DoesNotExist.
type Selector struct {
	// MatchLabels are labels that must all be present with these values.
	MatchLabels map[string]string `json:"matchLabels,omitempty"`

	// MatchExpressions are requirements that must all hold.
	MatchExpressions []SelectorRequirement `json:"matchExpressions,omitempty"`
}

// SelectorOperator relates a label key to a set of values.
// +kubebuilder:validation:Enum=In;NotIn;Exists;DoesNotExist
type SelectorOperator string

// The operators of a selector requirement.
const (
	SelectorOpIn           SelectorOperator = "In"
	SelectorOpNotIn        SelectorOperator = "NotIn"
	SelectorOpExists       SelectorOperator = "Exists"
	SelectorOpDoesNotExist SelectorOperator = "DoesNotExist"
)

// SelectorRequirement is one requirement on the value of a label.
type SelectorRequirement struct {
	// Key is the label the requirement applies to.
	// +kubebuilder:validation:Required
	Key string `json:"key"`

	// Operator relates the label's value to Values.
	// +kubebuilder:validation:Required
	Operator SelectorOperator `json:"operator"`

	// Values are the values the operator compares with; for Exists and
	// DoesNotExist the list is required but may be empty.
	// +kubebuilder:validation:Required
	Values []string `json:"values"`
}

// PluginChainList is a list of PluginChains.
//
// +kubebuilder:object:root=true
type PluginChainList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []PluginChain `json:"items"`
}
