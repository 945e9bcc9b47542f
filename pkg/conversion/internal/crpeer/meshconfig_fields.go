package crpeer

import (
	configv1alpha1 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/config/v1alpha1"
	configv1alpha2 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/config/v1alpha2"
)

// The field by field copies of MeshConfig's parts, as conversion-gen would
// write them: structs of the same fields convert directly, the others are
// copied field by field.

func clusterSetUp(in *configv1alpha1.ClusterSetSpec) *configv1alpha2.ClusterSetSpec {
	if in == nil {
		return nil
	}
	out := &configv1alpha2.ClusterSetSpec{Properties: make([]configv1alpha2.ClusterPropertySpec, len(in.Properties))}
	for i, p := range in.Properties {
		out.Properties[i] = configv1alpha2.ClusterPropertySpec(p)
	}
	return out
}

func clusterSetDown(in *configv1alpha2.ClusterSetSpec) *configv1alpha1.ClusterSetSpec {
	if in == nil {
		return nil
	}
	out := &configv1alpha1.ClusterSetSpec{Properties: make([]configv1alpha1.ClusterPropertySpec, len(in.Properties))}
	for i, p := range in.Properties {
		out.Properties[i] = configv1alpha1.ClusterPropertySpec(p)
	}
	return out
}

func sidecarUp(in *configv1alpha1.SidecarSpec, lost *meshConfigLost) *configv1alpha2.SidecarSpec {
	if in == nil {
		return nil
	}
	out := &configv1alpha2.SidecarSpec{
		EnablePrivilegedInitContainer: in.EnablePrivilegedInitContainer, LogLevel: in.LogLevel,
		MaxDataPlaneConnections: in.MaxDataPlaneConnections, SidecarClass: in.SidecarClass,
		SidecarImage: in.SidecarImage, SidecarWindowsImage: in.SidecarWindowsImage,
		InitContainerImage:   in.InitContainerImage,
		SidecarDrivers:       make([]configv1alpha2.SidecarDriverSpec, len(in.SidecarDrivers)),
		Resources:            (*configv1alpha2.ResourceRequirements)(in.Resources),
		ConfigResyncInterval: in.ConfigResyncInterval, SidecarTimeout: in.SidecarTimeout,
		TLSMinProtocolVersion: lost.TLSMinProtocolVersion, TLSMaxProtocolVersion: lost.TLSMaxProtocolVersion,
		CipherSuites: lost.CipherSuites, ECDHCurves: lost.ECDHCurves,
		LocalProxyMode: lost.LocalProxyMode, LocalDNSProxy: lost.LocalDNSProxy,
	}
	for i, d := range in.SidecarDrivers {
		out.SidecarDrivers[i] = configv1alpha2.SidecarDriverSpec(d)
	}
	if lost.SidecarClass != "" && in.SidecarClass == "" {
		out.SidecarClass = lost.SidecarClass
	}
	return out
}

func sidecarDown(in *configv1alpha2.SidecarSpec, restoredClass string, lost *meshConfigLost) *configv1alpha1.SidecarSpec {
	if in == nil {
		return nil
	}
	out := &configv1alpha1.SidecarSpec{
		EnablePrivilegedInitContainer: in.EnablePrivilegedInitContainer, LogLevel: in.LogLevel,
		MaxDataPlaneConnections: in.MaxDataPlaneConnections, SidecarClass: in.SidecarClass,
		SidecarImage: in.SidecarImage, SidecarWindowsImage: in.SidecarWindowsImage,
		InitContainerImage:   in.InitContainerImage,
		SidecarDrivers:       make([]configv1alpha1.SidecarDriverSpec, len(in.SidecarDrivers)),
		Resources:            (*configv1alpha1.ResourceRequirements)(in.Resources),
		ConfigResyncInterval: in.ConfigResyncInterval, SidecarTimeout: in.SidecarTimeout,
	}
	for i, d := range in.SidecarDrivers {
		out.SidecarDrivers[i] = configv1alpha1.SidecarDriverSpec(d)
	}
	if restoredClass != "" && in.SidecarClass == "" {
		out.SidecarClass = restoredClass
	}
	lost.TLSMinProtocolVersion, lost.TLSMaxProtocolVersion = in.TLSMinProtocolVersion, in.TLSMaxProtocolVersion
	lost.CipherSuites, lost.ECDHCurves = in.CipherSuites, in.ECDHCurves
	lost.LocalProxyMode, lost.LocalDNSProxy = in.LocalProxyMode, in.LocalDNSProxy
	return out
}

func trafficUp(in *configv1alpha1.TrafficSpec, lost *meshConfigLost) *configv1alpha2.TrafficSpec {
	if in == nil {
		return nil
	}
	out := &configv1alpha2.TrafficSpec{
		InterceptionMode: in.InterceptionMode, EnableEgress: in.EnableEgress,
		OutboundIPRangeExclusionList:      in.OutboundIPRangeExclusionList,
		OutboundIPRangeInclusionList:      lost.OutboundIPRangeInclusionList,
		OutboundPortExclusionList:         in.OutboundPortExclusionList,
		InboundPortExclusionList:          in.InboundPortExclusionList,
		NetworkInterfaceExclusionList:     lost.NetworkInterfaceExclusionList,
		HTTP1PerRequestLoadBalancing:      in.HTTP1PerRequestLoadBalancing,
		HTTP2PerRequestLoadBalancing:      in.HTTP2PerRequestLoadBalancing,
		EnablePermissiveTrafficPolicyMode: in.EnablePermissiveTrafficPolicyMode,
		InboundExternalAuthorization:      (*configv1alpha2.ExternalAuthzSpec)(in.InboundExternalAuthorization),
	}
	if lost.InterceptionMode != "" && in.InterceptionMode == "" {
		out.InterceptionMode = lost.InterceptionMode
	}
	return out
}

func trafficDown(in *configv1alpha2.TrafficSpec, lost *meshConfigLost) *configv1alpha1.TrafficSpec {
	if in == nil {
		return nil
	}
	out := &configv1alpha1.TrafficSpec{
		InterceptionMode: in.InterceptionMode, EnableEgress: in.EnableEgress,
		OutboundIPRangeExclusionList:      in.OutboundIPRangeExclusionList,
		OutboundPortExclusionList:         in.OutboundPortExclusionList,
		InboundPortExclusionList:          in.InboundPortExclusionList,
		HTTP1PerRequestLoadBalancing:      in.HTTP1PerRequestLoadBalancing,
		HTTP2PerRequestLoadBalancing:      in.HTTP2PerRequestLoadBalancing,
		EnablePermissiveTrafficPolicyMode: in.EnablePermissiveTrafficPolicyMode,
		InboundExternalAuthorization:      (*configv1alpha1.ExternalAuthzSpec)(in.InboundExternalAuthorization),
	}
	if in.InterceptionMode == interceptionModeNone {
		out.InterceptionMode, lost.InterceptionMode = "", interceptionModeNone
	}
	lost.OutboundIPRangeInclusionList = in.OutboundIPRangeInclusionList
	lost.NetworkInterfaceExclusionList = in.NetworkInterfaceExclusionList
	return out
}

func observabilityUp(in *configv1alpha1.ObservabilitySpec) *configv1alpha2.ObservabilitySpec {
	if in == nil {
		return nil
	}
	return &configv1alpha2.ObservabilitySpec{
		OSMLogLevel: in.OSMLogLevel, EnableDebugServer: in.EnableDebugServer,
		Tracing:       (*configv1alpha2.TracingSpec)(in.Tracing),
		RemoteLogging: (*configv1alpha2.RemoteLoggingSpec)(in.RemoteLogging),
	}
}

func observabilityDown(in *configv1alpha2.ObservabilitySpec) *configv1alpha1.ObservabilitySpec {
	if in == nil {
		return nil
	}
	return &configv1alpha1.ObservabilitySpec{
		OSMLogLevel: in.OSMLogLevel, EnableDebugServer: in.EnableDebugServer,
		Tracing:       (*configv1alpha1.TracingSpec)(in.Tracing),
		RemoteLogging: (*configv1alpha1.RemoteLoggingSpec)(in.RemoteLogging),
	}
}

func certificateUp(in *configv1alpha1.CertificateSpec) *configv1alpha2.CertificateSpec {
	if in == nil {
		return nil
	}
	out := &configv1alpha2.CertificateSpec{ServiceCertValidityDuration: in.ServiceCertValidityDuration, CertKeyBitSize: in.CertKeyBitSize}
	if g := in.IngressGateway; g != nil {
		out.IngressGateway = &configv1alpha2.IngressGatewayCertSpec{SubjectAltNames: g.SubjectAltNames,
			ValidityDuration: g.ValidityDuration, Secret: configv1alpha2.SecretReference(g.Secret)}
	}
	return out
}

func certificateDown(in *configv1alpha2.CertificateSpec) *configv1alpha1.CertificateSpec {
	if in == nil {
		return nil
	}
	out := &configv1alpha1.CertificateSpec{ServiceCertValidityDuration: in.ServiceCertValidityDuration, CertKeyBitSize: in.CertKeyBitSize}
	if g := in.IngressGateway; g != nil {
		out.IngressGateway = &configv1alpha1.IngressGatewayCertSpec{SubjectAltNames: g.SubjectAltNames,
			ValidityDuration: g.ValidityDuration, Secret: configv1alpha1.SecretReference(g.Secret)}
	}
	return out
}

func pluginChainsUp(in *configv1alpha1.PluginChainsSpec) *configv1alpha2.PluginChainsSpec {
	if in == nil {
		return nil
	}
	return &configv1alpha2.PluginChainsSpec{
		InboundTCPChains: chainsUp(in.InboundTCPChains), InboundHTTPChains: chainsUp(in.InboundHTTPChains),
		OutboundTCPChains: chainsUp(in.OutboundTCPChains), OutboundHTTPChains: chainsUp(in.OutboundHTTPChains),
	}
}

func pluginChainsDown(in *configv1alpha2.PluginChainsSpec) *configv1alpha1.PluginChainsSpec {
	if in == nil {
		return nil
	}
	return &configv1alpha1.PluginChainsSpec{
		InboundTCPChains: chainsDown(in.InboundTCPChains), InboundHTTPChains: chainsDown(in.InboundHTTPChains),
		OutboundTCPChains: chainsDown(in.OutboundTCPChains), OutboundHTTPChains: chainsDown(in.OutboundHTTPChains),
	}
}

func chainsUp(in []configv1alpha1.PluginChainSpec) []configv1alpha2.PluginChainSpec {
	if in == nil {
		return nil
	}
	out := make([]configv1alpha2.PluginChainSpec, len(in))
	for i, c := range in {
		out[i] = configv1alpha2.PluginChainSpec(c)
	}
	return out
}

func chainsDown(in []configv1alpha2.PluginChainSpec) []configv1alpha1.PluginChainSpec {
	if in == nil {
		return nil
	}
	out := make([]configv1alpha1.PluginChainSpec, len(in))
	for i, c := range in {
		out[i] = configv1alpha1.PluginChainSpec(c)
	}
	return out
}
