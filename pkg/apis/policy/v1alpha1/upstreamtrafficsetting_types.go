package v1alpha1

import (
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// UpstreamTrafficSetting tunes how clients of the mesh connect to one
// upstream host: connection limits, circuit breaking and rate limits.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=upstreamtrafficsettings,singular=upstreamtrafficsetting,scope=Namespaced,shortName=upstreamtrafficsetting
// +kubebuilder:metadata:labels="app.kubernetes.io/name=openservicemesh.io"
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=".status.currentStatus",description="State of the policy as reported by the controller"
type UpstreamTrafficSetting struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the traffic setting.
	Spec UpstreamTrafficSettingSpec `json:"spec,omitempty"`

	// Status is written by the controller.
	// ---
	// Its schema stays open, as in v1.3.9, so that a status any controller
	// version wrote is kept as it is.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Status PolicyStatus `json:"status,omitempty"`
}

// UpstreamTrafficSettingList is a list of UpstreamTrafficSetting policies.
//
// +kubebuilder:object:root=true
type UpstreamTrafficSettingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []UpstreamTrafficSetting `json:"items"`
}

// UpstreamTrafficSettingSpec is the setting for one upstream host.
type UpstreamTrafficSettingSpec struct {
	// Host is the upstream host, a service's fully qualified name such as
	// orders.shop.svc.cluster.local.
	// +kubebuilder:validation:Required
	Host string `json:"host"`

	// ConnectionSettings limit the connections to the host.
	ConnectionSettings *ConnectionSettingsSpec `json:"connectionSettings,omitempty"`

	// RateLimit limits the traffic to the host as a whole.
	RateLimit *RateLimitSpec `json:"rateLimit,omitempty"`

	// HTTPRoutes are settings for single HTTP paths of the host.
	HTTPRoutes []HTTPRouteSpec `json:"httpRoutes,omitempty"`
}

// ConnectionSettingsSpec limits the connections to an upstream host.
type ConnectionSettingsSpec struct {
	// TCP limits TCP connections.
	TCP *TCPConnectionSettings `json:"tcp,omitempty"`

	// HTTP limits HTTP requests.
	HTTP *HTTPConnectionSettings `json:"http,omitempty"`
}

// TCPConnectionSettings limits TCP connections to an upstream host.
type TCPConnectionSettings struct {
	// MaxConnections is the most connections open at a time.
	// +kubebuilder:validation:Minimum=0
	MaxConnections *int `json:"maxConnections,omitempty"`

	// ConnectTimeout is how long a connection attempt may take.
	ConnectTimeout *metav1.Duration `json:"connectTimeout,omitempty"`
}

// HTTPConnectionSettings limits HTTP requests to an upstream host.
type HTTPConnectionSettings struct {
	// MaxRequests is the most requests in flight at a time.
	// +kubebuilder:validation:Minimum=0
	MaxRequests *int `json:"maxRequests,omitempty"`

	// MaxRequestsPerConnection is the most requests sent over one
	// connection before it is closed.
	// +kubebuilder:validation:Minimum=0
	MaxRequestsPerConnection *int `json:"maxRequestsPerConnection,omitempty"`

	// MaxPendingRequests is the most HTTP/1.1 requests queued while waiting
	// for a connection.
	// +kubebuilder:validation:Minimum=0
	MaxPendingRequests *int `json:"maxPendingRequests,omitempty"`

	// MaxRetries is the most retries in flight at a time.
	// +kubebuilder:validation:Minimum=0
	MaxRetries *int `json:"maxRetries,omitempty"`

	// CircuitBreaking stops sending requests to a host that is slow or
	// failing.
	CircuitBreaking *HTTPCircuitBreaking `json:"circuitBreaking,omitempty"`
}

// HTTPCircuitBreaking says when the circuit to an upstream host opens, and
// what clients get while it is open.
// ---
// The ratio fields are json.Numbers, not float64s, which controller-gen
// refuses; Schemaless drops json.Number's own string schema, leaving
// v1.3.9's {type: number}.
type HTTPCircuitBreaking struct {
	// StatTimeWindow is the window over which requests are counted.
	StatTimeWindow *metav1.Duration `json:"statTimeWindow,omitempty"`

	// MinRequestAmount is the fewest requests in a window that can open
	// the circuit.
	// +kubebuilder:validation:Minimum=1
	MinRequestAmount int `json:"minRequestAmount,omitempty"`

	// DegradedTimeWindow is how long the circuit stays open.
	DegradedTimeWindow *metav1.Duration `json:"degradedTimeWindow,omitempty"`

	// SlowTimeThreshold is the duration above which a request counts as
	// slow.
	SlowTimeThreshold *metav1.Duration `json:"slowTimeThreshold,omitempty"`

	// SlowAmountThreshold is the number of slow requests in a window that
	// opens the circuit.
	// +kubebuilder:validation:Minimum=0
	SlowAmountThreshold *int `json:"slowAmountThreshold,omitempty"`

	// SlowRatioThreshold is the share of slow requests in a window, from 0
	// to 1, that opens the circuit.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=number
	// +kubebuilder:validation:Minimum=0
	SlowRatioThreshold json.Number `json:"slowRatioThreshold,omitempty"`

	// ErrorAmountThreshold is the number of failed requests in a window
	// that opens the circuit.
	// +kubebuilder:validation:Minimum=0
	ErrorAmountThreshold *int `json:"errorAmountThreshold,omitempty"`

	// ErrorRatioThreshold is the share of failed requests in a window, from
	// 0 to 1, that opens the circuit.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=number
	// +kubebuilder:validation:Minimum=0
	ErrorRatioThreshold json.Number `json:"errorRatioThreshold,omitempty"`

	// DegradedStatusCode is the HTTP status answered while the circuit is
	// open.
	DegradedStatusCode *int `json:"degradedStatusCode,omitempty"`

	// DegradedResponseContent is the response body answered while the
	// circuit is open.
	DegradedResponseContent string `json:"degradedResponseContent,omitempty"`
}

// RateLimitSpec limits the traffic to an upstream host.
type RateLimitSpec struct {
	// Local is enforced by each upstream sidecar on its own.
	Local *LocalRateLimitSpec `json:"local,omitempty"`
}

// LocalRateLimitSpec is a rate limit each upstream sidecar enforces on its
// own.
type LocalRateLimitSpec struct {
	// TCP limits new connections.
	TCP *TCPLocalRateLimitSpec `json:"tcp,omitempty"`

	// HTTP limits requests.
	HTTP *HTTPLocalRateLimitSpec `json:"http,omitempty"`
}

// RateLimitUnit is the period a rate limit counts over.
//
// +kubebuilder:validation:Enum=second;minute;hour
type RateLimitUnit string

const (
	// RateLimitUnitSecond counts per second.
	RateLimitUnitSecond RateLimitUnit = "second"

	// RateLimitUnitMinute counts per minute.
	RateLimitUnitMinute RateLimitUnit = "minute"

	// RateLimitUnitHour counts per hour.
	RateLimitUnitHour RateLimitUnit = "hour"
)

// TCPLocalRateLimitSpec limits how many connections are accepted per unit
// of time.
type TCPLocalRateLimitSpec struct {
	// Connections is the number of connections accepted per Unit.
	// +kubebuilder:validation:Minimum=1
	Connections int `json:"connections,omitempty"`

	// Unit is the period Connections counts over.
	Unit RateLimitUnit `json:"unit,omitempty"`

	// Burst is the number of connections accepted above the rate for a
	// short time.
	Burst int `json:"burst,omitempty"`
}

// HTTPLocalRateLimitSpec limits how many requests are accepted per unit of
// time, and says how the requests over the limit are answered.
type HTTPLocalRateLimitSpec struct {
	// Requests is the number of requests accepted per Unit.
	// +kubebuilder:validation:Minimum=1
	Requests int `json:"requests,omitempty"`

	// Unit is the period Requests counts over.
	Unit RateLimitUnit `json:"unit,omitempty"`

	// Burst is the number of requests accepted above the rate for a short
	// time.
	Burst int `json:"burst,omitempty"`

	// ResponseStatusCode is the HTTP status answered to a limited request;
	// the sidecar uses 429 when it is not set.
	// +kubebuilder:validation:Minimum=400
	// +kubebuilder:validation:Maximum=599
	ResponseStatusCode int `json:"responseStatusCode,omitempty"`

	// ResponseHeadersToAdd are headers added to the answer to a limited
	// request.
	ResponseHeadersToAdd []HTTPHeaderValue `json:"responseHeadersToAdd,omitempty"`
}

// HTTPHeaderValue is an HTTP header and its value.
type HTTPHeaderValue struct {
	// Name is the header name.
	// +kubebuilder:validation:Required
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`

	// Value is the header value.
	// +kubebuilder:validation:Required
	// +kubebuilder:validation:MinLength=1
	Value string `json:"value"`
}

// HTTPRouteSpec is a setting for the requests to one HTTP path of an
// upstream host.
type HTTPRouteSpec struct {
	// Path is the request path, an RE2 regular expression.
	// +kubebuilder:validation:MinLength=1
	Path string `json:"path,omitempty"`

	// RateLimit limits the requests to the path.
	RateLimit *HTTPPerRouteRateLimitSpec `json:"rateLimit,omitempty"`
}

// HTTPPerRouteRateLimitSpec limits the requests to one HTTP path.
type HTTPPerRouteRateLimitSpec struct {
	// Local is enforced by each upstream sidecar on its own.
	Local *HTTPLocalRateLimitSpec `json:"local,omitempty"`
}
