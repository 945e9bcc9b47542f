package conversion

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsNamespace prefixes every metric of the webhook.
const metricsNamespace = "osm_bootstrap_conversion"

// Results of a review or an object, as the metrics label them.
const (
	resultSuccess = "success"
	resultFailure = "failure"
	resultPanic   = "panic"
)

// mixedVersions is the from label of a review whose objects are in more
// than one version (a list across a storage version change).
const mixedVersions = "mixed"

// latencyBuckets cover a review of one object (tens of microseconds) up to
// a list of thousands (a second and more).
var latencyBuckets = prometheus.ExponentialBuckets(0.00005, 4, 10)

// Metrics are the webhook's Prometheus metrics, on a registry of their own
// so that nothing global leaks in and tests can read them alone.
type Metrics struct {
	registry   *prometheus.Registry
	reviews    *prometheus.CounterVec
	objects    *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	inFlight   prometheus.Gauge
	panics     *prometheus.CounterVec
	certExpiry prometheus.Gauge
}

// NewMetrics returns the metrics, registered with the Go and process
// collectors on a new registry.
func NewMetrics() *Metrics {
	labels := []string{"crd", "from", "to", "result"}
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		reviews: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "reviews_total",
			Help: "ConversionReviews answered, by CRD, source and desired version and result.",
		}, labels),
		objects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "objects_total",
			Help: "Objects in the answered ConversionReviews, by CRD, source and desired version and result.",
		}, labels),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: metricsNamespace, Name: "review_duration_seconds",
			Help:    "Time to answer a ConversionReview, from the request to the written response, by CRD.",
			Buckets: latencyBuckets,
		}, []string{"crd"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: metricsNamespace, Name: "reviews_in_flight",
			Help: "ConversionReviews being answered.",
		}),
		panics: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "panics_total",
			Help: "Converter panics recovered, by CRD.",
		}, []string{"crd"}),
		certExpiry: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: metricsNamespace, Name: "serving_certificate_expiry_seconds",
			Help: "Seconds until the serving certificate expires; negative once it has.",
		}),
	}
	m.registry.MustRegister(m.reviews, m.objects, m.latency, m.inFlight, m.panics, m.certExpiry,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Registry returns the registry the metrics are on.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// observeReview counts one answered review and its objects.
func (m *Metrics) observeReview(crd, from, to, result string, objects int, took time.Duration) {
	m.reviews.WithLabelValues(crd, from, to, result).Inc()
	m.objects.WithLabelValues(crd, from, to, result).Add(float64(objects))
	m.latency.WithLabelValues(crd).Observe(took.Seconds())
}

// setCertificateExpiry records when the serving certificate expires.
func (m *Metrics) setCertificateExpiry(notAfter, now time.Time) {
	m.certExpiry.Set(notAfter.Sub(now).Seconds())
}
