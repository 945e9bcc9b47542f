package v1alpha2

import (
	"encoding/json"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// MeshConfig holds the settings of one mesh: its sidecars, traffic
// interception, observability, certificates and feature flags. The control
// plane reads the one in its own namespace; upgrades never change it.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=meshconfigs,singular=meshconfig,scope=Namespaced,shortName=meshconfig
// +kubebuilder:metadata:labels="app.kubernetes.io/name=openservicemesh.io"
// +kubebuilder:storageversion
type MeshConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the mesh configuration.
	Spec MeshConfigSpec `json:"spec,omitempty"`
}

// MeshConfigSpec is the configuration of a mesh, one section per concern.
type MeshConfigSpec struct {
	// ClusterSet describes the cluster this mesh runs in.
	ClusterSet *ClusterSetSpec `json:"clusterSet,omitempty"`

	// Sidecar configures the proxies injected into meshed pods.
	Sidecar *SidecarSpec `json:"sidecar,omitempty"`

	// RepoServer locates the repository the Pipy sidecars load their
	// configuration from.
	RepoServer *RepoServerSpec `json:"repoServer,omitempty"`

	// Traffic configures interception and policy for traffic in the mesh.
	Traffic *TrafficSpec `json:"traffic,omitempty"`

	// Observability configures logging, tracing and debugging.
	Observability *ObservabilitySpec `json:"observability,omitempty"`

	// Certificate configures the certificates issued to the data plane.
	Certificate *CertificateSpec `json:"certificate,omitempty"`

	// FeatureFlags turns optional control plane features on or off.
	FeatureFlags *FeatureFlags `json:"featureFlags,omitempty"`

	// PluginChains orders the plugins run at each point of the sidecar's
	// traffic handling.
	PluginChains *PluginChainsSpec `json:"pluginChains,omitempty"`
}

// ClusterSetSpec describes the cluster a mesh runs in, for multicluster
// setups.
type ClusterSetSpec struct {
	// Properties are name-value pairs that describe the cluster.
	Properties []ClusterPropertySpec `json:"properties,omitempty"`
}

// ClusterPropertySpec is one name-value property of a cluster.
type ClusterPropertySpec struct {
	// Name is the property's name.
	Name string `json:"name,omitempty"`

	// Value is the property's value.
	Value string `json:"value,omitempty"`
}

// SidecarSpec configures the sidecar proxies. Most settings apply only to
// pods that join the mesh after they change.
type SidecarSpec struct {
	// EnablePrivilegedInitContainer runs the init container privileged;
	// when false it only gets the NET_ADMIN capability.
	EnablePrivilegedInitContainer *bool `json:"enablePrivilegedInitContainer,omitempty"`

	// LogLevel is the proxy's log verbosity.
	// +kubebuilder:validation:Enum=trace;debug;info;warning;warn;error;critical;off
	LogLevel string `json:"logLevel,omitempty"`

	// MaxDataPlaneConnections caps the number of proxies connected to the
	// control plane; 0 means no limit.
	MaxDataPlaneConnections *int `json:"maxDataPlaneConnections,omitempty"`

	// SidecarClass selects the proxy implementation.
	// +kubebuilder:validation:Enum=pipy;envoy
	SidecarClass string `json:"sidecarClass,omitempty"`

	// SidecarImage is the proxy image for Linux nodes.
	SidecarImage string `json:"sidecarImage,omitempty"`

	// SidecarWindowsImage is the proxy image for Windows nodes.
	SidecarWindowsImage string `json:"sidecarWindowsImage,omitempty"`

	// InitContainerImage is the image of the init container that sets up
	// traffic interception.
	InitContainerImage string `json:"initContainerImage,omitempty"`

	// SidecarDrivers lists the proxy implementations, one per sidecar class,
	// with their images and ports.
	SidecarDrivers []SidecarDriverSpec `json:"sidecarDrivers,omitempty"`

	// Resources are the compute resources of the proxy container.
	Resources *ResourceRequirements `json:"resources,omitempty"`

	// ConfigResyncInterval is how often the full proxy configuration is
	// pushed again, as a Go duration such as "90s"; "0s" disables it.
	ConfigResyncInterval string `json:"configResyncInterval,omitempty"`

	// SidecarTimeout is the proxy's connect, idle, read and write timeout,
	// in seconds.
	SidecarTimeout *int `json:"sidecarTimeout,omitempty"`

	// TLSMinProtocolVersion is the oldest TLS version the proxy accepts.
	// +kubebuilder:validation:Enum=TLS_AUTO;TLSv1_0;TLSv1_1;TLSv1_2;TLSv1_3
	// +kubebuilder:default=TLSv1_2
	TLSMinProtocolVersion string `json:"tlsMinProtocolVersion,omitempty"`

	// TLSMaxProtocolVersion is the newest TLS version the proxy accepts.
	// +kubebuilder:validation:Enum=TLS_AUTO;TLSv1_0;TLSv1_1;TLSv1_2;TLSv1_3
	// +kubebuilder:default=TLSv1_3
	TLSMaxProtocolVersion string `json:"tlsMaxProtocolVersion,omitempty"`

	// CipherSuites are the ciphers offered for TLS 1.0 to 1.2, by their
	// OpenSSL names; they do not apply to TLS 1.3.
	CipherSuites []string `json:"cipherSuites,omitempty"`

	// ECDHCurves are the elliptic curves offered for key exchange; the
	// proxy's own list applies when empty.
	ECDHCurves []string `json:"ecdhCurves,omitempty"`

	// LocalProxyMode is the address the proxy uses to reach the application
	// in its pod: the loopback address or the pod's IP.
	// +kubebuilder:validation:Enum=Localhost;PodIP
	// +kubebuilder:default=Localhost
	LocalProxyMode string `json:"localProxyMode,omitempty"`

	// LocalDNSProxy configures the DNS cache in the proxy.
	LocalDNSProxy *LocalDNSProxy `json:"localDNSProxy,omitempty"`
}

// SidecarDriverSpec describes one proxy implementation.
type SidecarDriverSpec struct {
	// SidecarName is the sidecar class this driver implements.
	// +kubebuilder:validation:Required
	SidecarName string `json:"sidecarName"`

	// SidecarImage is the proxy image for Linux nodes.
	SidecarImage string `json:"sidecarImage,omitempty"`

	// SidecarWindowsImage is the proxy image for Windows nodes.
	SidecarWindowsImage string `json:"sidecarWindowsImage,omitempty"`

	// InitContainerImage is the image of the init container.
	InitContainerImage string `json:"initContainerImage,omitempty"`

	// ProxyServerPort is the control plane port the proxies connect to for
	// their configuration.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	ProxyServerPort *int `json:"proxyServerPort,omitempty"`

	// SidecarDisabledMTLS turns mutual TLS between these proxies off.
	SidecarDisabledMTLS *bool `json:"sidecarDisabledMTLS,omitempty"`
}

// ResourceRequirements are the compute resources of a container, by
// resource name ("cpu", "memory", ...). The values are kept as written: the
// schema has always accepted any value here.
type ResourceRequirements struct {
	// Limits are the most the container may use.
	Limits map[string]apiextensionsv1.JSON `json:"limits,omitempty"`

	// Requests are what the container is scheduled with.
	Requests map[string]apiextensionsv1.JSON `json:"requests,omitempty"`
}

// LocalDNSProxy configures the DNS cache in the proxy.
type LocalDNSProxy struct {
	// Enable turns the DNS cache on.
	Enable *bool `json:"enable,omitempty"`

	// PrimaryUpstreamDNSServerIPAddr is the IP address of the DNS server
	// asked first.
	PrimaryUpstreamDNSServerIPAddr string `json:"primaryUpstreamDNSServerIPAddr,omitempty"`

	// SecondaryUpstreamDNSServerIPAddr is the IP address of the DNS server
	// asked when the primary one fails.
	SecondaryUpstreamDNSServerIPAddr string `json:"secondaryUpstreamDNSServerIPAddr,omitempty"`
}

// RepoServerSpec locates the repository server of the Pipy sidecars.
type RepoServerSpec struct {
	// IPAddr is the address of the repository server.
	// +kubebuilder:validation:Required
	IPAddr string `json:"ipaddr"`

	// Codebase is the folder of the repository the control plane writes.
	// +kubebuilder:validation:Required
	Codebase string `json:"codebase"`
}

// TrafficSpec configures traffic interception and policy.
type TrafficSpec struct {
	// InterceptionMode is how traffic is redirected to the proxy; none
	// sets up no redirection.
	// +kubebuilder:validation:Enum=iptables;ebpf;none
	InterceptionMode string `json:"interceptionMode,omitempty"`

	// EnableEgress lets meshed pods reach destinations outside the mesh.
	EnableEgress *bool `json:"enableEgress,omitempty"`

	// OutboundIPRangeExclusionList are IPv4 CIDRs whose outbound traffic
	// bypasses the proxy.
	// +kubebuilder:validation:items:Pattern=`((?:\d{1,3}\.){3}\d{1,3})\/(\d{1,2})$`
	OutboundIPRangeExclusionList []string `json:"outboundIPRangeExclusionList,omitempty"`

	// OutboundIPRangeInclusionList are IPv4 CIDRs whose outbound traffic is
	// intercepted; when set, all other outbound traffic bypasses the proxy.
	// +kubebuilder:validation:items:Pattern=`((?:\d{1,3}\.){3}\d{1,3})\/(\d{1,2})$`
	OutboundIPRangeInclusionList []string `json:"outboundIPRangeInclusionList,omitempty"`

	// OutboundPortExclusionList are destination ports whose outbound
	// traffic bypasses the proxy.
	// +kubebuilder:validation:items:Minimum=1
	// +kubebuilder:validation:items:Maximum=65535
	OutboundPortExclusionList []int `json:"outboundPortExclusionList,omitempty"`

	// InboundPortExclusionList are ports whose inbound traffic bypasses the
	// proxy.
	// +kubebuilder:validation:items:Minimum=1
	// +kubebuilder:validation:items:Maximum=65535
	InboundPortExclusionList []int `json:"inboundPortExclusionList,omitempty"`

	// NetworkInterfaceExclusionList are network interfaces whose traffic,
	// in both directions, bypasses the proxy.
	NetworkInterfaceExclusionList []string `json:"networkInterfaceExclusionList,omitempty"`

	// HTTP1PerRequestLoadBalancing balances HTTP/1 traffic per request
	// rather than per connection.
	HTTP1PerRequestLoadBalancing *bool `json:"http1PerRequestLoadBalancing,omitempty"`

	// HTTP2PerRequestLoadBalancing balances HTTP/2 traffic per request
	// rather than per connection.
	HTTP2PerRequestLoadBalancing *bool `json:"http2PerRequestLoadBalancing,omitempty"`

	// EnablePermissiveTrafficPolicyMode lets all meshed services talk to
	// each other without access policies; when false, traffic needs an
	// explicit TrafficTarget.
	EnablePermissiveTrafficPolicyMode *bool `json:"enablePermissiveTrafficPolicyMode,omitempty"`

	// InboundExternalAuthorization sends inbound requests to an external
	// service for an allow or deny decision.
	InboundExternalAuthorization *ExternalAuthzSpec `json:"inboundExternalAuthorization,omitempty"`
}

// ExternalAuthzSpec configures an external authorization service.
type ExternalAuthzSpec struct {
	// Enable turns external authorization on.
	Enable *bool `json:"enable,omitempty"`

	// Address is the host name or IP address of the service.
	Address string `json:"address,omitempty"`

	// Port is the port of the service.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port *int `json:"port,omitempty"`

	// StatPrefix prefixes the names of the metrics about these checks.
	// +kubebuilder:default=inboundExtAuthz
	StatPrefix string `json:"statPrefix,omitempty"`

	// Timeout is how long to wait for a decision, as a Go duration.
	// +kubebuilder:default="1s"
	Timeout string `json:"timeout,omitempty"`

	// FailureModeAllow lets requests through when the service does not
	// answer; when false they are refused.
	FailureModeAllow *bool `json:"failureModeAllow,omitempty"`
}

// ObservabilitySpec configures logging, tracing and debugging.
type ObservabilitySpec struct {
	// OSMLogLevel is the control plane's log level, changeable at run time.
	OSMLogLevel string `json:"osmLogLevel,omitempty"`

	// EnableDebugServer serves a debug endpoint on the controller that
	// lists proxies, certificates and policies.
	EnableDebugServer *bool `json:"enableDebugServer,omitempty"`

	// Tracing configures distributed tracing.
	Tracing *TracingSpec `json:"tracing,omitempty"`

	// RemoteLogging configures sending proxy logs to a remote collector.
	RemoteLogging *RemoteLoggingSpec `json:"remoteLogging,omitempty"`
}

// TracingSpec configures where the proxies send trace spans.
type TracingSpec struct {
	// Enable turns tracing on.
	Enable *bool `json:"enable,omitempty"`

	// Port is the collector's port.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port *int `json:"port,omitempty"`

	// Address is the collector's host name or IP address.
	Address string `json:"address,omitempty"`

	// Endpoint is the collector's HTTP path for spans.
	Endpoint string `json:"endpoint,omitempty"`

	// SampledFraction is the share of requests traced, a decimal number
	// written as a string, such as "0.25".
	SampledFraction string `json:"sampledFraction,omitempty"`
}

// RemoteLoggingSpec configures where the proxies send their logs.
type RemoteLoggingSpec struct {
	// Enable turns remote logging on.
	Enable *bool `json:"enable,omitempty"`

	// Level is how much is sent, from 0 (least) to 2 (most).
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2
	Level *int `json:"level,omitempty"`

	// Port is the collector's port.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port *int `json:"port,omitempty"`

	// Address is the collector's host name or IP address.
	Address string `json:"address,omitempty"`

	// Endpoint is the collector's HTTP path for logs.
	Endpoint string `json:"endpoint,omitempty"`

	// Authorization is the value of the Authorization header sent to the
	// collector.
	Authorization string `json:"authorization,omitempty"`

	// SampledFraction is the share of requests logged, a decimal number
	// written as a string, such as "1.0".
	SampledFraction string `json:"sampledFraction,omitempty"`
}

// CertificateSpec configures the certificates issued to the data plane.
type CertificateSpec struct {
	// ServiceCertValidityDuration is how long a service certificate is
	// valid, as a Go duration such as "24h".
	// +kubebuilder:validation:Required
	ServiceCertValidityDuration string `json:"serviceCertValidityDuration"`

	// CertKeyBitSize is the size in bits of the certificates' RSA keys.
	// +kubebuilder:validation:Required
	CertKeyBitSize int `json:"certKeyBitSize"`

	// IngressGateway configures the certificate of the ingress gateway.
	IngressGateway *IngressGatewayCertSpec `json:"ingressGateway,omitempty"`
}

// IngressGatewayCertSpec configures the certificate the control plane
// issues to the ingress gateway.
type IngressGatewayCertSpec struct {
	// SubjectAltNames are the names the certificate is valid for.
	// +kubebuilder:validation:Required
	// +kubebuilder:validation:MinItems=1
	SubjectAltNames []string `json:"subjectAltNames"`

	// ValidityDuration is how long the certificate is valid, as a Go
	// duration.
	// +kubebuilder:validation:Required
	ValidityDuration string `json:"validityDuration"`

	// Secret is where the certificate is stored.
	// +kubebuilder:validation:Required
	Secret SecretReference `json:"secret"`
}

// FeatureFlags turns optional control plane features on or off.
type FeatureFlags struct {
	// EnableWASMStats adds WebAssembly-based statistics to the proxies.
	EnableWASMStats *bool `json:"enableWASMStats,omitempty"`

	// EnableEgressPolicy turns on the Egress policy API.
	EnableEgressPolicy *bool `json:"enableEgressPolicy,omitempty"`

	// EnableMulticlusterMode is no longer read; it is kept so that stored
	// objects keep their value.
	EnableMulticlusterMode *bool `json:"enableMulticlusterMode,omitempty"`

	// EnableSnapshotCacheMode pushes proxy configuration from snapshots.
	EnableSnapshotCacheMode *bool `json:"enableSnapshotCacheMode,omitempty"`

	// EnableAsyncProxyServiceMapping maps proxies to services in the
	// background instead of on connect.
	EnableAsyncProxyServiceMapping *bool `json:"enableAsyncProxyServiceMapping,omitempty"`

	// EnableIngressBackendPolicy turns on the IngressBackend policy API.
	EnableIngressBackendPolicy *bool `json:"enableIngressBackendPolicy,omitempty"`

	// EnableAccessControlPolicy turns on the AccessControl policy API.
	EnableAccessControlPolicy *bool `json:"enableAccessControlPolicy,omitempty"`

	// EnableAccessCertPolicy turns on the AccessCert policy API.
	EnableAccessCertPolicy *bool `json:"enableAccessCertPolicy,omitempty"`

	// EnableSidecarActiveHealthChecks makes proxies probe their upstreams.
	EnableSidecarActiveHealthChecks *bool `json:"enableSidecarActiveHealthChecks,omitempty"`

	// EnableRetryPolicy turns on the Retry policy API.
	EnableRetryPolicy *bool `json:"enableRetryPolicy,omitempty"`

	// EnablePluginPolicy turns on the plugin APIs.
	EnablePluginPolicy *bool `json:"enablePluginPolicy,omitempty"`
}

// PluginChainsSpec lists, for each point of the sidecar's traffic
// handling, the plugins run there.
type PluginChainsSpec struct {
	// InboundTCPChains run on inbound TCP traffic.
	InboundTCPChains []PluginChainSpec `json:"inbound-tcp,omitempty"`

	// InboundHTTPChains run on inbound HTTP traffic.
	InboundHTTPChains []PluginChainSpec `json:"inbound-http,omitempty"`

	// OutboundTCPChains run on outbound TCP traffic.
	OutboundTCPChains []PluginChainSpec `json:"outbound-tcp,omitempty"`

	// OutboundHTTPChains run on outbound HTTP traffic.
	OutboundHTTPChains []PluginChainSpec `json:"outbound-http,omitempty"`
}

// PluginChainSpec places one plugin in a chain.
type PluginChainSpec struct {
	// Plugin is the plugin's name.
	// +kubebuilder:validation:Required
	Plugin string `json:"plugin"`

	// A json.Number rather than a float64, which controller-gen refuses;
	// Schemaless drops json.Number's own string schema so that the field's
	// schema is exactly {type: number}.

	// Priority orders the plugins of a chain.
	// +kubebuilder:validation:Required
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=number
	Priority json.Number `json:"priority"`

	// Disable leaves the plugin out of the chain.
	Disable *bool `json:"disable,omitempty"`
}

// MeshConfigList is a list of MeshConfig.
//
// +kubebuilder:object:root=true
type MeshConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the MeshConfigs.
	Items []MeshConfig `json:"items"`
}
