package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ServiceImport is this cluster's view of a service that other clusters of
// the set export: its ports and, per port, where it can be reached.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced
// +kubebuilder:metadata:labels="app.kubernetes.io/name=flomesh.io"
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=".metadata.creationTimestamp"
type ServiceImport struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec describes the imported service and how to reach it.
	Spec ServiceImportSpec `json:"spec,omitempty"`

	// Status lists the clusters that export the service.
	Status ServiceImportStatus `json:"status,omitempty"`
}

// ServiceImportSpec is the desired state of a ServiceImport.
type ServiceImportSpec struct {
	// Ports are the ports of the service, with their remote endpoints.
	// +kubebuilder:validation:Required
	// +listType=atomic
	Ports []ServicePort `json:"ports"`

	// IPs holds at most one address, the virtual IP of a ClusterSetIP
	// service.
	// +kubebuilder:validation:MaxItems=1
	IPs []string `json:"ips,omitempty"`

	// Type is how the service is consumed: through one virtual IP, or
	// headless.
	Type ServiceImportType `json:"type,omitempty"`

	// SessionAffinity is ClientIP or None, as on a Kubernetes Service.
	SessionAffinity string `json:"sessionAffinity,omitempty"`

	// SessionAffinityConfig tunes ClientIP session affinity.
	SessionAffinityConfig *SessionAffinityConfig `json:"sessionAffinityConfig,omitempty"`

	// ServiceAccountName is the service account of the service's pods.
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
}

// ServiceImportType is how an imported service is consumed.
// +kubebuilder:validation:Enum=ClusterSetIP;Headless
type ServiceImportType string

// The types of an imported service.
const (
	// ClusterSetIP services are reached through one virtual IP.
	ClusterSetIP ServiceImportType = "ClusterSetIP"
	// Headless services are reached at their endpoints' addresses.
	Headless ServiceImportType = "Headless"
)

// ServicePort is one port of an imported service.
type ServicePort struct {
	// Name is the port's name, a DNS label; it may be empty when the
	// service has a single port.
	Name string `json:"name,omitempty"`

	// Protocol is the port's IP protocol, such as TCP, UDP or SCTP.
	// Defaults to TCP.
	// +kubebuilder:default=TCP
	Protocol string `json:"protocol,omitempty"`

	// AppProtocol is the application protocol of the port, as on a
	// Kubernetes Service port.
	AppProtocol *string `json:"appProtocol,omitempty"`

	// Port is the port number the service is reached on.
	// +kubebuilder:validation:Required
	Port int32 `json:"port"`

	// Endpoints are the addresses, per exporting cluster, that serve the
	// port.
	// +kubebuilder:validation:Required
	Endpoints []Endpoint `json:"endpoints"`
}

// Endpoint is where one exporting cluster serves a port.
type Endpoint struct {
	// ClusterKey names the exporting cluster, as
	// <region>/<zone>/<group>/<cluster>.
	// +kubebuilder:validation:Required
	ClusterKey string `json:"clusterKey"`

	// Target is the address requests for the port are sent to.
	// +kubebuilder:validation:Required
	Target Target `json:"target"`
}

// Target is a reachable address of an exported service, usually the
// exporting cluster's ingress.
type Target struct {
	// Host is the host name requests carry.
	// +kubebuilder:validation:Required
	Host string `json:"host"`

	// IP is the address connected to.
	// +kubebuilder:validation:Required
	IP string `json:"ip"`

	// Port is the port connected to.
	// +kubebuilder:validation:Required
	Port int32 `json:"port"`

	// Path is the path prefix the service is served under.
	// +kubebuilder:validation:Required
	Path string `json:"path"`
}

// SessionAffinityConfig tunes session affinity.
type SessionAffinityConfig struct {
	// ClientIP tunes ClientIP session affinity.
	ClientIP *ClientIPConfig `json:"clientIP,omitempty"`
}

// ClientIPConfig tunes ClientIP session affinity.
type ClientIPConfig struct {
	// TimeoutSeconds is how long a client stays on the same endpoint; more
	// than 0 and at most 86400 when affinity is ClientIP (default 10800).
	TimeoutSeconds *int32 `json:"timeoutSeconds,omitempty"`
}

// ServiceImportStatus is the observed state of a ServiceImport.
type ServiceImportStatus struct {
	// Clusters are the clusters that export the service, one entry each.
	// +listType=map
	// +listMapKey=cluster
	Clusters []ClusterStatus `json:"clusters,omitempty"`
}

// ClusterStatus is what one exporting cluster offers.
type ClusterStatus struct {
	// Cluster is the exporting cluster's name.
	// +kubebuilder:validation:Required
	Cluster string `json:"cluster"`

	// Addresses are where the service is reached in that cluster: cluster
	// IPs from inside it, otherwise URLs of the form
	// http(s)://<ingress address>:<port>/<path>.
	Addresses []string `json:"addresses,omitempty"`
}

// ServiceImportList is a list of ServiceImports.
//
// +kubebuilder:object:root=true
type ServiceImportList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []ServiceImport `json:"items"`
}
