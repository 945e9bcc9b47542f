package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ServiceExport offers the Service of the same name and namespace to the
// other clusters of the cluster set, through this cluster's ingress.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced
// +kubebuilder:metadata:labels="app.kubernetes.io/name=flomesh.io"
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=".metadata.creationTimestamp"
type ServiceExport struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec says how the service is exposed and to which clusters.
	Spec ServiceExportSpec `json:"spec,omitempty"`

	// Status reports whether the export took effect.
	Status ServiceExportStatus `json:"status,omitempty"`
}

// ServiceExportSpec is the desired state of a ServiceExport.
type ServiceExportSpec struct {
	// Rules are the paths under which the ingress routes to the service.
	// +kubebuilder:validation:MinItems=1
	Rules []ServiceExportRule `json:"rules,omitempty"`

	// TargetClusters are the clusters, each written
	// <region>/<zone>/<group>/<cluster>, that may import the service; empty
	// means every cluster of the set.
	TargetClusters []string `json:"targetClusters,omitempty"`

	// ServiceAccountName is the service account of the service's pods.
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// SessionSticky keeps a client on the same endpoint.
	SessionSticky bool `json:"sessionSticky,omitempty"`

	// LoadBalancer is the algorithm the ingress uses across the service's
	// endpoints. Defaults to RoundRobinLoadBalancer.
	// +kubebuilder:default=RoundRobinLoadBalancer
	LoadBalancer LoadBalancerType `json:"loadBalancer,omitempty"`

	// PathRewrite rewrites the request path for every rule of the export.
	PathRewrite *PathRewrite `json:"pathRewrite,omitempty"`
}

// LoadBalancerType is a load-balancing algorithm of the ingress.
// +kubebuilder:validation:Enum=RoundRobinLoadBalancer;HashingLoadBalancer;LeastWorkLoadBalancer
type LoadBalancerType string

// The load-balancing algorithms an export can ask for.
const (
	RoundRobinLoadBalancer LoadBalancerType = "RoundRobinLoadBalancer"
	HashingLoadBalancer    LoadBalancerType = "HashingLoadBalancer"
	LeastWorkLoadBalancer  LoadBalancerType = "LeastWorkLoadBalancer"
)

// PathType says how a rule's path is compared with a request's path.
// +kubebuilder:validation:Enum=Exact;Prefix
type PathType string

// The ways a rule's path can match.
const (
	PathTypeExact  PathType = "Exact"
	PathTypePrefix PathType = "Prefix"
)

// ServiceExportRule routes requests under a path to one port of the
// service.
type ServiceExportRule struct {
	// Path is the request path, starting with a slash.
	Path string `json:"path,omitempty"`

	// PathType says whether Path must match exactly or as a prefix.
	// +kubebuilder:validation:Required
	PathType PathType `json:"pathType"`

	// PortNumber is the port of the service that receives the requests.
	PortNumber int32 `json:"portNumber,omitempty"`
}

// PathRewrite replaces a leading part of the request path.
type PathRewrite struct {
	// From is the part of the path to replace.
	From string `json:"from,omitempty"`

	// To is what replaces it.
	To string `json:"to,omitempty"`
}

// ServiceExportStatus is the observed state of a ServiceExport.
type ServiceExportStatus struct {
	// Conditions describe the export's state, one per condition type.
	// +listType=map
	// +listMapKey=type
	// +patchStrategy=merge
	// +patchMergeKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// ServiceExportList is a list of ServiceExports.
//
// +kubebuilder:object:root=true
type ServiceExportList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []ServiceExport `json:"items"`
}
