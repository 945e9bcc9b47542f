package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// PluginConfig gives a plugin its settings for traffic to the destinations
// it lists.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,shortName=picfg
// +kubebuilder:metadata:labels="app.kubernetes.io/name=openservicemesh.io"
// +kubebuilder:subresource:status
type PluginConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec names the plugin, its destinations and its settings.
	Spec PluginConfigSpec `json:"spec,omitempty"`

	// Status is written by the controller. Its schema keeps any field, as
	// osm-edge's did.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Status Status `json:"status,omitempty"`
}

// PluginConfigSpec is the desired state of a PluginConfig.
type PluginConfigSpec struct {
	// Plugin is the name of the Plugin being configured.
	// +kubebuilder:validation:Required
	Plugin string `json:"plugin"`

	// DestinationRefs are the destinations the settings apply to.
	// +kubebuilder:validation:Required
	DestinationRefs []DestinationRef `json:"destinationRefs"`

	// Config holds the plugin's settings; their shape is the plugin's own.
	// +kubebuilder:validation:Required
	Config runtime.RawExtension `json:"config"`

	// Matches restricts the config to the resources listed.
	Matches []ResourceReference `json:"matches,omitempty"`
}

// DestinationKind is the kind of a PluginConfig destination.
// +kubebuilder:validation:Enum=Service
type DestinationKind string

// DestinationKindService is a Kubernetes Service, the only kind allowed.
const DestinationKindService DestinationKind = "Service"

// DestinationRef names a destination of a PluginConfig.
type DestinationRef struct {
	// Kind is the destination's kind.
	// +kubebuilder:validation:Required
	Kind DestinationKind `json:"kind"`

	// Name is the destination's name.
	// +kubebuilder:validation:Required
	Name string `json:"name"`

	// Namespace is the destination's namespace.
	// +kubebuilder:validation:Required
	Namespace string `json:"namespace"`
}

// PluginConfigList is a list of PluginConfigs.
//
// +kubebuilder:object:root=true
type PluginConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []PluginConfig `json:"items"`
}
