package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Plugin is a Pipy script that the sidecars of the mesh can run. It is
// cluster-scoped: PluginChains and PluginConfigs in any namespace refer to
// it by name.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=pi
// +kubebuilder:metadata:labels="app.kubernetes.io/name=openservicemesh.io"
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=".status.currentStatus",description="What the controller last reported for the plugin."
type Plugin struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec holds the plugin's script.
	Spec PluginSpec `json:"spec,omitempty"`

	// Status is written by the controller. Its schema keeps any field, as
	// osm-edge's did.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Status Status `json:"status,omitempty"`
}

// PluginSpec is the desired state of a Plugin.
type PluginSpec struct {
	// osm-edge's schema takes any JSON number here, but controller-gen
	// refuses float fields, so Schemaless skips type inference and the
	// markers below state the schema.

	// Priority orders the plugin among the other plugins of a chain. It may
	// be fractional but not negative.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=number
	// +kubebuilder:validation:Minimum=0
	Priority float64 `json:"priority,omitempty"`

	// PipyScript is the plugin's source, in Pipy's JavaScript dialect.
	// +kubebuilder:validation:Required
	PipyScript string `json:"pipyscript"`

	// Matches restricts the plugin to the resources listed.
	Matches []ResourceReference `json:"matches,omitempty"`
}

// PluginList is a list of Plugins.
//
// +kubebuilder:object:root=true
type PluginList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []Plugin `json:"items"`
}
