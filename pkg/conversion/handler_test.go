package conversion

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
)

const (
	ttCRD  = "traffictargets.access.smi-spec.io"
	ttPath = "/convert/" + ttCRD
	ttV1a1 = `{"apiVersion":"access.smi-spec.io/v1alpha1","kind":"TrafficTarget",` +
		`"metadata":{"name":"bookstore","namespace":"osm-system","uid":"u1"},` +
		`"destination":{"kind":"ServiceAccount","name":"bookstore","namespace":"osm-system","port":14001},` +
		`"specs":[{"kind":"HTTPRouteGroup","name":"routes","matches":["buy"]}],` +
		`"sources":[{"kind":"ServiceAccount","name":"bookbuyer","namespace":"osm-system"}]}`
	mcV1a2 = `{"apiVersion":"config.openservicemesh.io/v1alpha2","kind":"MeshConfig",` +
		`"metadata":{"name":"osm-mesh-config","namespace":"osm-system"},"spec":{}}`
)

func reviewBody(apiVersion, uid, desired string, objects ...string) string {
	return `{"apiVersion":"` + apiVersion + `","kind":"ConversionReview","request":{"uid":"` + uid +
		`","desiredAPIVersion":"` + desired + `","objects":[` + strings.Join(objects, ",") + `]}}`
}

// answer is a decoded ConversionReview response of either version.
type answer struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Response   struct {
		UID              string           `json:"uid"`
		ConvertedObjects []map[string]any `json:"convertedObjects"`
		Result           struct {
			Status  string `json:"status"`
			Message string `json:"message"`
		} `json:"result"`
	} `json:"response"`
}

func newTestHandler(t *testing.T, opts HandlerOptions) http.Handler {
	t.Helper()
	r, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return NewHandler(r, opts)
}

func post(h http.Handler, path, contentType, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHandlerRefusesBadRequests(t *testing.T) {
	h := newTestHandler(t, HandlerOptions{MaxBodyBytes: 1024})
	good := reviewBody(reviewV1, "u", "access.smi-spec.io/v1alpha3", ttV1a1)
	cases := []struct {
		name, method, path, contentType, body string
		code                                  int
		message                               string
	}{
		{"get", http.MethodGet, ttPath, "application/json", "", http.StatusMethodNotAllowed, "use POST"},
		{"put", http.MethodPut, ttPath, "application/json", good, http.StatusMethodNotAllowed, "use POST"},
		{"no content type", http.MethodPost, ttPath, "", good, http.StatusUnsupportedMediaType, "application/json"},
		{"yaml", http.MethodPost, ttPath, "application/yaml", good, http.StatusUnsupportedMediaType, "application/yaml"},
		{"empty body", http.MethodPost, ttPath, "application/json", "", http.StatusBadRequest, "empty body"},
		{"malformed", http.MethodPost, ttPath, "application/json", "{not json", http.StatusBadRequest, "bad ConversionReview"},
		{"no request", http.MethodPost, ttPath, "application/json",
			`{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview"}`, http.StatusBadRequest, "no request"},
		{"wrong kind", http.MethodPost, ttPath, "application/json",
			`{"apiVersion":"apiextensions.k8s.io/v1","kind":"AdmissionReview"}`, http.StatusBadRequest, "AdmissionReview"},
		{"wrong version", http.MethodPost, ttPath, "application/json",
			`{"apiVersion":"apiextensions.k8s.io/v2","kind":"ConversionReview"}`, http.StatusBadRequest, "v2"},
		{"no uid", http.MethodPost, ttPath, "application/json",
			reviewBody(reviewV1, "", "access.smi-spec.io/v1alpha3"), http.StatusBadRequest, "no uid"},
		{"too large", http.MethodPost, ttPath, "application/json",
			reviewBody(reviewV1, "u", "access.smi-spec.io/v1alpha3", strings.Repeat(ttV1a1+",", 10)+ttV1a1),
			http.StatusRequestEntityTooLarge, "over 1024 bytes"},
		{"unknown path", http.MethodPost, "/convert/nothings.example.com", "application/json", good, http.StatusNotFound, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.code {
				t.Fatalf("code %d, want %d; body %q", rec.Code, c.code, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), c.message) {
				t.Errorf("body %q does not contain %q", rec.Body, c.message)
			}
		})
	}
}

func TestHandlerAnswers(t *testing.T) {
	h := newTestHandler(t, HandlerOptions{})
	cases := []struct {
		name, path, body, apiVersion string
		wantStatus, wantMessage      string
		wantObjects                  int
		check                        func(t *testing.T, objs []map[string]any)
	}{
		{name: "v1 review", path: ttPath, apiVersion: reviewV1, wantStatus: "Success", wantObjects: 1,
			body:  reviewBody(reviewV1, "uid-1", "access.smi-spec.io/v1alpha3", ttV1a1),
			check: wantConvertedTrafficTarget},
		{name: "v1beta1 review", path: ttPath, apiVersion: reviewV1beta1, wantStatus: "Success", wantObjects: 1,
			body:  reviewBody(reviewV1beta1, "uid-1", "access.smi-spec.io/v1alpha3", ttV1a1),
			check: wantConvertedTrafficTarget},
		{name: "legacy path", path: "/convert/trafficaccess", apiVersion: reviewV1, wantStatus: "Success", wantObjects: 1,
			body:  reviewBody(reviewV1, "uid-1", "access.smi-spec.io/v1alpha3", ttV1a1),
			check: wantConvertedTrafficTarget},
		{name: "no objects", path: ttPath, apiVersion: reviewV1, wantStatus: "Success",
			body: reviewBody(reviewV1, "uid-1", "access.smi-spec.io/v1alpha3")},
		{name: "single-version kind", path: "/convert/retrypolicy", apiVersion: reviewV1, wantStatus: "Success", wantObjects: 1,
			body: reviewBody(reviewV1, "uid-1", "policy.openservicemesh.io/v1alpha1",
				`{"apiVersion":"policy.openservicemesh.io/v1alpha1","kind":"Retry","metadata":{"name":"r"},"spec":{}}`)},
		{name: "object of another CRD", path: ttPath, apiVersion: reviewV1, wantStatus: "Failure",
			wantMessage: "osm-system/osm-mesh-config",
			body:        reviewBody(reviewV1, "uid-1", "access.smi-spec.io/v1alpha3", ttV1a1, mcV1a2)},
		{name: "desired version of another group", path: ttPath, apiVersion: reviewV1, wantStatus: "Failure",
			wantMessage: "osm-system/bookstore",
			body:        reviewBody(reviewV1, "uid-1", "config.openservicemesh.io/v1alpha2", ttV1a1)},
		{name: "unknown version", path: ttPath, apiVersion: reviewV1, wantStatus: "Failure",
			wantMessage: "unknown version",
			body:        reviewBody(reviewV1, "uid-1", "access.smi-spec.io/v9", ttV1a1)},
		{name: "object not an object", path: ttPath, apiVersion: reviewV1, wantStatus: "Failure",
			wantMessage: "not an object",
			body:        reviewBody(reviewV1, "uid-1", "access.smi-spec.io/v1alpha3", `"text"`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := post(h, c.path, "application/json", c.body)
			if rec.Code != http.StatusOK {
				t.Fatalf("code %d, body %q", rec.Code, rec.Body)
			}
			var a answer
			if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
				t.Fatal(err)
			}
			if a.APIVersion != c.apiVersion || a.Kind != "ConversionReview" || a.Response.UID != "uid-1" {
				t.Errorf("answer %s %s uid %q, want %s ConversionReview uid-1", a.APIVersion, a.Kind, a.Response.UID, c.apiVersion)
			}
			if a.Response.Result.Status != c.wantStatus || !strings.Contains(a.Response.Result.Message, c.wantMessage) {
				t.Errorf("result %+v, want %s containing %q", a.Response.Result, c.wantStatus, c.wantMessage)
			}
			if len(a.Response.ConvertedObjects) != c.wantObjects {
				t.Fatalf("%d objects, want %d", len(a.Response.ConvertedObjects), c.wantObjects)
			}
			if c.check != nil {
				c.check(t, a.Response.ConvertedObjects)
			}
		})
	}
}

func wantConvertedTrafficTarget(t *testing.T, objs []map[string]any) {
	t.Helper()
	obj := objs[0]
	spec, _ := obj["spec"].(map[string]any)
	if obj["apiVersion"] != "access.smi-spec.io/v1alpha3" || spec["destination"] == nil || spec["rules"] == nil {
		t.Errorf("not converted to v1alpha3: %v", obj)
	}
	meta, _ := obj["metadata"].(map[string]any)
	if meta["name"] != "bookstore" || meta["uid"] != "u1" {
		t.Errorf("metadata changed: %v", meta)
	}
}

func TestHandlerRecoversPanics(t *testing.T) {
	metrics := NewMetrics()
	h := &crdHandler{crd: ttCRD, opts: HandlerOptions{MaxBodyBytes: DefaultMaxBodyBytes, Metrics: metrics, Log: zapNop()},
		convert: func(string, any, string) (map[string]any, error) { panic("boom") }}
	rec := post(h, ttPath, "application/json", reviewBody(reviewV1, "uid-1", "access.smi-spec.io/v1alpha3", ttV1a1))
	var a answer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("code %d body %q: %v", rec.Code, rec.Body, err)
	}
	if a.Response.Result.Status != "Failure" || !strings.Contains(a.Response.Result.Message, "boom") {
		t.Errorf("result %+v, want a Failure naming the panic", a.Response.Result)
	}
	if got := testutil.ToFloat64(metrics.panics.WithLabelValues(ttCRD)); got != 1 {
		t.Errorf("panics %v, want 1", got)
	}
	if got := testutil.ToFloat64(metrics.reviews.WithLabelValues(ttCRD, "v1alpha1", "v1alpha3", resultPanic)); got != 1 {
		t.Errorf("panicked reviews %v, want 1", got)
	}
}

func TestHandlerCountsReviews(t *testing.T) {
	metrics := NewMetrics()
	h := newTestHandler(t, HandlerOptions{Metrics: metrics})
	body := reviewBody(reviewV1, "u", "access.smi-spec.io/v1alpha3", ttV1a1, ttV1a1)
	for range 3 {
		post(h, ttPath, "application/json", body)
	}
	if got := testutil.ToFloat64(metrics.reviews.WithLabelValues(ttCRD, "v1alpha1", "v1alpha3", resultSuccess)); got != 3 {
		t.Errorf("reviews %v, want 3", got)
	}
	if got := testutil.ToFloat64(metrics.objects.WithLabelValues(ttCRD, "v1alpha1", "v1alpha3", resultSuccess)); got != 6 {
		t.Errorf("objects %v, want 6", got)
	}
	rec := httptest.NewRecorder()
	metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !bytes.Contains(rec.Body.Bytes(), []byte("osm_bootstrap_conversion_review_duration_seconds_count")) {
		t.Errorf("latency histogram missing from /metrics:\n%s", rec.Body)
	}
}

// FuzzHandler feeds arbitrary bodies to the handler: it must answer each
// with a valid HTTP status and never panic.
func FuzzHandler(f *testing.F) {
	f.Add(reviewBody(reviewV1, "u", "access.smi-spec.io/v1alpha3", ttV1a1))
	f.Add(reviewBody(reviewV1beta1, "u", "access.smi-spec.io/v1alpha1", ttV1a1))
	f.Add(`{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"objects":[null]}}`)
	f.Add("")
	r, err := Embedded()
	if err != nil {
		f.Fatal(err)
	}
	h := NewHandler(r, HandlerOptions{})
	f.Fuzz(func(t *testing.T, body string) {
		rec := post(h, ttPath, "application/json", body)
		if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
			t.Fatalf("code %d for %q", rec.Code, body)
		}
	})
}

func zapNop() *zap.Logger { return zap.NewNop() }
