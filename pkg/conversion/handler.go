package conversion

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// DefaultMaxBodyBytes is the default limit on a review's body. The API
// server sends a list conversion as one review, bounded only by its own
// request and response limits; an object in etcd is at most 1.5 MiB and a
// list carries many of them (a page of a LIST, or a watch cache refill), so
// the limit must sit well above one object. 64 MiB holds over forty objects
// of the largest size and tens of thousands of typical ones, while still
// stopping a runaway or hostile client before it exhausts memory.
const DefaultMaxBodyBytes int64 = 64 << 20

// legacyPaths are the paths OSM's own webhook answered, by CRD name; CRDs
// written by OSM or older osm-edge releases still call them.
var legacyPaths = map[string]string{
	"/convert/meshconfig":            "meshconfigs.config.openservicemesh.io",
	"/convert/trafficaccess":         "traffictargets.access.smi-spec.io",
	"/convert/httproutegroup":        "httproutegroups.specs.smi-spec.io",
	"/convert/trafficsplit":          "trafficsplits.split.smi-spec.io",
	"/convert/tcproutes":             "tcproutes.specs.smi-spec.io",
	"/convert/egresspolicy":          "egresses.policy.openservicemesh.io",
	"/convert/ingressbackendspolicy": "ingressbackends.policy.openservicemesh.io",
	"/convert/retrypolicy":           "retries.policy.openservicemesh.io",
}

// HandlerOptions configure NewHandler.
type HandlerOptions struct {
	// MaxBodyBytes limits a review's body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Metrics, when set, count the reviews.
	Metrics *Metrics
	// Log, when set, gets a debug line per refused request and an error
	// line per converter panic.
	Log *zap.Logger
}

// NewHandler returns the handler of every conversion path of the
// registry's CRDs: /convert/<plural>.<group> for each, and OSM's legacy
// path for those that had one.
func NewHandler(r *Registry, opts HandlerOptions) http.Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	mux := http.NewServeMux()
	for _, name := range r.CRDs() {
		mux.Handle(crds.ConvertPath(name), &crdHandler{crd: name, opts: opts, convert: r.Convert})
	}
	for path, name := range legacyPaths {
		if _, ok := r.kinds[name]; ok {
			mux.Handle(path, &crdHandler{crd: name, opts: opts, convert: r.Convert})
		}
	}
	return mux
}

// crdHandler answers the reviews of one CRD.
type crdHandler struct {
	crd  string
	opts HandlerOptions
	// convert is the registry's Convert; tests replace it.
	convert func(crd string, obj any, desired string) (map[string]any, error)
}

// httpError is a refused request: its status code and message.
type httpError struct {
	code int
	err  error
}

func (h *crdHandler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	start := time.Now()
	if m := h.opts.Metrics; m != nil {
		m.inFlight.Inc()
		defer m.inFlight.Dec()
	}
	body, herr := h.readBody(w, req)
	if herr != nil {
		h.refuse(w, herr)
		return
	}
	rev, err := decodeReview(body)
	if err != nil {
		h.refuse(w, &httpError{code: http.StatusBadRequest, err: err})
		return
	}
	out, from, result := h.convertAll(rev)
	resp, err := encodeResponse(rev, out)
	if err != nil {
		h.refuse(w, &httpError{code: http.StatusInternalServerError, err: fmt.Errorf("encode response: %w", err)})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(resp)
	if m := h.opts.Metrics; m != nil {
		m.observeReview(h.crd, from, versionOf(rev.desired), result, len(rev.objects), time.Since(start))
	}
}

// readBody checks the method and Content-Type and reads the body within
// the limit.
func (h *crdHandler) readBody(w http.ResponseWriter, req *http.Request) ([]byte, *httpError) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return nil, &httpError{http.StatusMethodNotAllowed, fmt.Errorf("method %s not allowed, use POST", req.Method)}
	}
	mediaType, _, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/json" {
		return nil, &httpError{http.StatusUnsupportedMediaType,
			fmt.Errorf("content type %q not supported, use application/json", req.Header.Get("Content-Type"))}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, h.opts.MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, &httpError{http.StatusRequestEntityTooLarge, fmt.Errorf("body over %d bytes", tooLarge.Limit)}
	case err != nil:
		return nil, &httpError{http.StatusBadRequest, fmt.Errorf("read body: %w", err)}
	case len(body) == 0:
		return nil, &httpError{http.StatusBadRequest, fmt.Errorf("%w: empty body", errBadReview)}
	}
	return body, nil
}

func (h *crdHandler) refuse(w http.ResponseWriter, e *httpError) {
	h.opts.Log.Debug("conversion request refused", zap.String("crd", h.crd), zap.Int("code", e.code), zap.Error(e.err))
	http.Error(w, e.err.Error(), e.code)
}

// convertAll converts every object of the review, or none: the API server
// takes a review's answer whole. It returns the outcome, the objects'
// source version for the metrics and the result label.
func (h *crdHandler) convertAll(rev *review) (out outcome, from, result string) {
	from = sourceVersion(rev.objects)
	defer func() {
		if p := recover(); p != nil {
			h.opts.Log.Error("converter panicked", zap.String("crd", h.crd), zap.Any("panic", p), zap.Stack("stack"))
			if m := h.opts.Metrics; m != nil {
				m.panics.WithLabelValues(h.crd).Inc()
			}
			out, result = outcome{err: fmt.Errorf("convert %s to %s: internal error: %v", h.crd, rev.desired, p)}, resultPanic
		}
	}()
	converted := make([]runtime.RawExtension, 0, len(rev.objects))
	for _, raw := range rev.objects {
		data, err := h.convertOne(raw, rev.desired)
		if err != nil {
			return outcome{err: err}, from, resultFailure
		}
		converted = append(converted, runtime.RawExtension{Raw: data})
	}
	return outcome{objects: converted}, from, resultSuccess
}

// convertOne converts one object of the review and encodes it.
func (h *crdHandler) convertOne(raw runtime.RawExtension, desired string) ([]byte, error) {
	obj, err := decodeObject(raw)
	if err != nil {
		return nil, newError(h.crd, nil, desired, fmt.Errorf("%w: %w", ErrNotObject, err))
	}
	converted, err := h.convert(h.crd, obj, desired)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(converted)
	if err != nil {
		return nil, newError(h.crd, converted, desired, fmt.Errorf("encode: %w", err))
	}
	return data, nil
}

// sourceVersion is the version of the review's objects, mixedVersions when
// they differ, or "" for an empty review. It reads only apiVersion, without
// decoding the objects twice.
func sourceVersion(objects []runtime.RawExtension) string {
	from := ""
	for _, raw := range objects {
		var header reviewHeader
		_ = json.Unmarshal(raw.Raw, &header)
		v := versionOf(header.APIVersion)
		switch {
		case from == "":
			from = v
		case from != v:
			return mixedVersions
		}
	}
	return from
}

// versionOf returns the version part of an apiVersion.
func versionOf(apiVersion string) string {
	if i := strings.LastIndexByte(apiVersion, '/'); i >= 0 {
		return apiVersion[i+1:]
	}
	return apiVersion
}
