// Package v1alpha1 holds version v1alpha1 of the osm-edge plugin API (group
// plugin.flomesh.io): Plugin, a Pipy script the sidecars can run;
// PluginChain, which puts plugins into the sidecars' processing chains; and
// PluginConfig, which gives a plugin its settings for chosen destinations.
//
// +groupName=plugin.flomesh.io
// +kubebuilder:object:generate=true
// +kubebuilder:validation:Optional
package v1alpha1
