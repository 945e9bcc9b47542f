package conversion

import (
	"net/http"
	"sync"
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

	// series caches the children observeReview counts in, by seriesKey,
	// and latencies the latency children, by CRD: a lookup in a vector
	// costs more than the counting. A child is made on its first review,
	// as the vector would make it, so /metrics shows the same series.
	series    sync.Map
	latencies sync.Map
}

// seriesKey is the label values of a review's counters.
type seriesKey struct{ crd, from, to, result string }

// reviewSeries are the counters of one seriesKey.
type reviewSeries struct{ reviews, objects prometheus.Counter }

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
	s := m.seriesOf(seriesKey{crd: crd, from: from, to: to, result: result})
	s.reviews.Inc()
	s.objects.Add(float64(objects))
	m.latencyOf(crd).Observe(took.Seconds())
}

func (m *Metrics) seriesOf(k seriesKey) *reviewSeries {
	if s, ok := m.series.Load(k); ok {
		return s.(*reviewSeries)
	}
	s := &reviewSeries{
		reviews: m.reviews.WithLabelValues(k.crd, k.from, k.to, k.result),
		objects: m.objects.WithLabelValues(k.crd, k.from, k.to, k.result),
	}
	actual, _ := m.series.LoadOrStore(k, s)
	return actual.(*reviewSeries)
}

func (m *Metrics) latencyOf(crd string) prometheus.Observer {
	if o, ok := m.latencies.Load(crd); ok {
		return o.(prometheus.Observer)
	}
	actual, _ := m.latencies.LoadOrStore(crd, m.latency.WithLabelValues(crd))
	return actual.(prometheus.Observer)
}

// setCertificateExpiry records when the serving certificate expires.
func (m *Metrics) setCertificateExpiry(notAfter, now time.Time) {
	m.certExpiry.Set(notAfter.Sub(now).Seconds())
}
