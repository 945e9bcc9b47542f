package crpeer

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/conversion"

	configv1alpha1 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/config/v1alpha1"
	configv1alpha2 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/config/v1alpha2"
)

// MeshConfigV1alpha1 is config.openservicemesh.io/v1alpha1 MeshConfig, a
// spoke.
type MeshConfigV1alpha1 configv1alpha1.MeshConfig

// MeshConfigV1alpha2 is config.openservicemesh.io/v1alpha2 MeshConfig, the
// hub (the storage version).
type MeshConfigV1alpha2 configv1alpha2.MeshConfig

// meshConfigLost is what v1alpha1 cannot hold of v1alpha2, and the
// sidecarClass v1alpha2 rejects.
type meshConfigLost struct {
	SidecarClass                  string                        `json:"sidecarClass,omitempty"`
	TLSMinProtocolVersion         string                        `json:"tlsMinProtocolVersion,omitempty"`
	TLSMaxProtocolVersion         string                        `json:"tlsMaxProtocolVersion,omitempty"`
	CipherSuites                  []string                      `json:"cipherSuites,omitempty"`
	ECDHCurves                    []string                      `json:"ecdhCurves,omitempty"`
	LocalProxyMode                string                        `json:"localProxyMode,omitempty"`
	LocalDNSProxy                 *configv1alpha2.LocalDNSProxy `json:"localDNSProxy,omitempty"`
	InterceptionMode              string                        `json:"interceptionMode,omitempty"`
	OutboundIPRangeInclusionList  []string                      `json:"outboundIPRangeInclusionList,omitempty"`
	NetworkInterfaceExclusionList []string                      `json:"networkInterfaceExclusionList,omitempty"`
}

// sidecarClasses are the sidecarClass values v1alpha2 accepts.
var sidecarClasses = map[string]bool{"pipy": true, "envoy": true}

// interceptionModeNone is the interception mode v1alpha1 rejects.
const interceptionModeNone = "none"

// Hub marks v1alpha2 as the hub.
func (*MeshConfigV1alpha2) Hub() {}

// DeepCopyObject copies the object.
func (in *MeshConfigV1alpha2) DeepCopyObject() runtime.Object {
	out := MeshConfigV1alpha2(*(*configv1alpha2.MeshConfig)(in).DeepCopy())
	return &out
}

// DeepCopyObject copies the object.
func (in *MeshConfigV1alpha1) DeepCopyObject() runtime.Object {
	out := MeshConfigV1alpha1(*(*configv1alpha1.MeshConfig)(in).DeepCopy())
	return &out
}

// ConvertTo converts the object to the hub, restoring the fields in
// LostAnnotation and keeping there a sidecarClass v1alpha2 rejects.
func (in *MeshConfigV1alpha1) ConvertTo(h conversion.Hub) error {
	out, ok := h.(*MeshConfigV1alpha2)
	if !ok {
		return fmt.Errorf("convert MeshConfig v1alpha1 to %T", h)
	}
	out.ObjectMeta = in.ObjectMeta
	var lost meshConfigLost
	if _, err := takeLost(&out.ObjectMeta, &lost); err != nil {
		return err
	}
	s := &in.Spec
	out.Spec = configv1alpha2.MeshConfigSpec{
		ClusterSet:    clusterSetUp(s.ClusterSet),
		Sidecar:       sidecarUp(s.Sidecar, &lost),
		RepoServer:    (*configv1alpha2.RepoServerSpec)(s.RepoServer),
		Traffic:       trafficUp(s.Traffic, &lost),
		Observability: observabilityUp(s.Observability),
		Certificate:   certificateUp(s.Certificate),
		FeatureFlags:  (*configv1alpha2.FeatureFlags)(s.FeatureFlags),
		PluginChains:  pluginChainsUp(s.PluginChains),
	}
	if s.Sidecar == nil || sidecarClasses[s.Sidecar.SidecarClass] {
		return nil
	}
	out.Spec.Sidecar.SidecarClass = ""
	return putLost(&out.ObjectMeta, meshConfigLost{SidecarClass: s.Sidecar.SidecarClass})
}

// ConvertFrom converts the hub to the object, keeping in LostAnnotation
// what v1alpha1 cannot hold.
func (in *MeshConfigV1alpha1) ConvertFrom(h conversion.Hub) error {
	hub, ok := h.(*MeshConfigV1alpha2)
	if !ok {
		return fmt.Errorf("convert %T to MeshConfig v1alpha1", h)
	}
	in.ObjectMeta = hub.ObjectMeta
	var restored meshConfigLost
	if _, err := takeLost(&in.ObjectMeta, &restored); err != nil {
		return err
	}
	var lost meshConfigLost
	s := &hub.Spec
	in.Spec = configv1alpha1.MeshConfigSpec{
		ClusterSet:    clusterSetDown(s.ClusterSet),
		Sidecar:       sidecarDown(s.Sidecar, restored.SidecarClass, &lost),
		RepoServer:    (*configv1alpha1.RepoServerSpec)(s.RepoServer),
		Traffic:       trafficDown(s.Traffic, &lost),
		Observability: observabilityDown(s.Observability),
		Certificate:   certificateDown(s.Certificate),
		FeatureFlags:  (*configv1alpha1.FeatureFlags)(s.FeatureFlags),
		PluginChains:  pluginChainsDown(s.PluginChains),
	}
	if lost.empty() {
		return nil
	}
	return putLost(&in.ObjectMeta, lost)
}

func (l *meshConfigLost) empty() bool {
	return l.SidecarClass == "" && l.TLSMinProtocolVersion == "" && l.TLSMaxProtocolVersion == "" &&
		l.CipherSuites == nil && l.ECDHCurves == nil && l.LocalProxyMode == "" && l.LocalDNSProxy == nil &&
		l.InterceptionMode == "" && l.OutboundIPRangeInclusionList == nil && l.NetworkInterfaceExclusionList == nil
}
