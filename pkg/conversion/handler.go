package conversion

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
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
	rev, err := decodeReview(body.Bytes())
	putBody(body)
	if err != nil {
		h.refuse(w, &httpError{code: http.StatusBadRequest, err: err})
		return
	}
	out := getWriter(true)
	defer out.release()
	from, result := h.answer(out, rev)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(out.b)))
	_, _ = w.Write(out.b)
	if m := h.opts.Metrics; m != nil {
		m.observeReview(h.crd, from, versionOf(rev.desired), result, rev.len(), time.Since(start))
	}
}

// maxPresizedBody bounds the buffer allocated ahead for a body of a
// declared length: a client declaring more gets the buffer grown as its
// bytes arrive, not a large one for nothing.
const maxPresizedBody = 4 << 20

// bodyPool holds the buffers bodies are read into; the decoded review
// shares nothing with them.
var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func putBody(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBytes {
		bodyPool.Put(b)
	}
}

// readBody checks the method and Content-Type and reads the body within
// the limit, into a buffer of bodyPool.
func (h *crdHandler) readBody(w http.ResponseWriter, req *http.Request) (*bytes.Buffer, *httpError) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return nil, &httpError{http.StatusMethodNotAllowed, fmt.Errorf("method %s not allowed, use POST", req.Method)}
	}
	if !isJSON(req.Header.Get("Content-Type")) {
		return nil, &httpError{http.StatusUnsupportedMediaType,
			fmt.Errorf("content type %q not supported, use application/json", req.Header.Get("Content-Type"))}
	}
	body := bodyPool.Get().(*bytes.Buffer)
	body.Reset()
	if n := req.ContentLength; n > 0 && n <= min(h.opts.MaxBodyBytes, maxPresizedBody) {
		// The extra MinRead bytes let the read that finds the end fit.
		body.Grow(int(n) + bytes.MinRead)
	}
	_, err := body.ReadFrom(http.MaxBytesReader(w, req.Body, h.opts.MaxBodyBytes))
	if herr := bodyError(err, body.Len()); herr != nil {
		putBody(body)
		return nil, herr
	}
	return body, nil
}

func bodyError(err error, n int) *httpError {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return &httpError{http.StatusRequestEntityTooLarge, fmt.Errorf("body over %d bytes", tooLarge.Limit)}
	case err != nil:
		return &httpError{http.StatusBadRequest, fmt.Errorf("read body: %w", err)}
	case n == 0:
		return &httpError{http.StatusBadRequest, fmt.Errorf("%w: empty body", errBadReview)}
	}
	return nil
}

// isJSON reports whether a Content-Type is application/json, parameters
// aside; the common spellings skip mime.ParseMediaType.
func isJSON(contentType string) bool {
	switch contentType {
	case "application/json", "application/json; charset=utf-8":
		return true
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && mediaType == "application/json"
}

func (h *crdHandler) refuse(w http.ResponseWriter, e *httpError) {
	h.opts.Log.Debug("conversion request refused", zap.String("crd", h.crd), zap.Int("code", e.code), zap.Error(e.err))
	http.Error(w, e.err.Error(), e.code)
}

// answer writes the answer to rev into out, and returns the objects'
// source version and the result for the metrics. The API server takes a
// review's answer whole: every object converted, or none and the reason.
func (h *crdHandler) answer(out *jsonWriter, rev *review) (from, result string) {
	from = rev.sourceVersion()
	startResponse(out, rev)
	mark := len(out.b)
	result, err := h.convertAll(out, rev)
	if err != nil {
		out.b = out.b[:mark]
		endWithFailure(out, err)
		return from, result
	}
	out.b = append(out.b, successResult...)
	return from, result
}

// convertAll converts the objects of the review in place and writes them
// into out as a list, open at its end, recovering from a converter's
// panic.
func (h *crdHandler) convertAll(out *jsonWriter, rev *review) (result string, err error) {
	defer func() {
		if p := recover(); p != nil {
			h.opts.Log.Error("converter panicked", zap.String("crd", h.crd), zap.Any("panic", p), zap.Stack("stack"))
			if m := h.opts.Metrics; m != nil {
				m.panics.WithLabelValues(h.crd).Inc()
			}
			result, err = resultPanic, fmt.Errorf("convert %s to %s: internal error: %v", h.crd, rev.desired, p)
		}
	}()
	out.b = append(out.b, '[')
	for i := range rev.len() {
		if i > 0 {
			out.b = append(out.b, ',')
		}
		if err := h.convertOne(out, rev, i); err != nil {
			return resultFailure, err
		}
	}
	return resultSuccess, nil
}

// convertOne converts the i-th object of the review and writes it.
func (h *crdHandler) convertOne(out *jsonWriter, rev *review, i int) error {
	obj, err := rev.object(i)
	if err != nil {
		return newError(h.crd, nil, rev.desired, fmt.Errorf("%w: %w", ErrNotObject, err))
	}
	converted, err := h.convert(h.crd, obj, rev.desired)
	if err != nil {
		return err
	}
	mark := len(out.b)
	if out.value(converted) {
		return nil
	}
	// A value jsonWriter does not write (none that decoding gives): ask
	// encoding/json, for the same bytes or the same error.
	out.b = out.b[:mark]
	data, err := json.Marshal(converted)
	if err != nil {
		return newError(h.crd, converted, rev.desired, fmt.Errorf("encode: %w", err))
	}
	out.b = append(out.b, data...)
	return nil
}

// sourceVersion is the version of the review's objects, mixedVersions
// when they differ, or "" for an empty review.
func (r *review) sourceVersion() string {
	if r.raw != nil {
		return sourceVersion(r.raw)
	}
	return commonVersion(len(r.objects), func(i int) string {
		apiVersion, _ := r.objects[i]["apiVersion"].(string)
		return apiVersion
	})
}

// sourceVersion is review.sourceVersion for objects not yet decoded. It
// reads only apiVersion, without decoding the objects twice.
func sourceVersion(objects []runtime.RawExtension) string {
	return commonVersion(len(objects), func(i int) string {
		var header reviewHeader
		_ = json.Unmarshal(objects[i].Raw, &header)
		return header.APIVersion
	})
}

// commonVersion returns the version of the n apiVersions apiVersionOf
// gives, mixedVersions when they differ, or "" when n is 0.
func commonVersion(n int, apiVersionOf func(i int) string) string {
	from := ""
	for i := range n {
		v := versionOf(apiVersionOf(i))
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
