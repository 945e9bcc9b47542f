package conversion

import (
	"encoding/json"
	"errors"
	"fmt"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// The apiVersions of a ConversionReview the API server may send.
const (
	reviewV1      = "apiextensions.k8s.io/v1"
	reviewV1beta1 = "apiextensions.k8s.io/v1beta1"
	reviewKind    = "ConversionReview"
)

// errBadReview is a request body that is not a ConversionReview the
// handler can answer: it gets 400, not a Failure result.
var errBadReview = errors.New("bad ConversionReview")

// review is a ConversionReview of either version, reduced to what
// conversion needs; apiVersion is the version to answer in. objects are
// its objects, decoded; when encoding/json read the review, raw holds
// them instead, each to be decoded in turn.
type review struct {
	apiVersion string
	uid        types.UID
	desired    string
	objects    []map[string]any
	raw        []runtime.RawExtension
}

// len returns the number of objects.
func (r *review) len() int { return len(r.objects) + len(r.raw) }

// object returns the i-th object, decoding it if need be.
func (r *review) object(i int) (any, error) {
	if r.raw != nil {
		return decodeObject(r.raw[i])
	}
	return r.objects[i], nil
}

// reviewHeader is read first to learn the review's version.
type reviewHeader struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

// decodeReview parses a ConversionReview body of either version: in one
// pass when it has the shape the API server sends (readReview), with
// encoding/json otherwise, which decides on everything else and words the
// errors.
func decodeReview(body []byte) (*review, error) {
	if rev, ok := readReview(string(body)); ok {
		return rev, nil
	}
	return decodeReviewSlowly(body)
}

// decodeReviewSlowly parses a ConversionReview body with encoding/json:
// the header first, then the review of the header's version.
func decodeReviewSlowly(body []byte) (*review, error) {
	var header reviewHeader
	if err := json.Unmarshal(body, &header); err != nil {
		return nil, fmt.Errorf("%w: %w", errBadReview, err)
	}
	if header.Kind != reviewKind {
		return nil, fmt.Errorf("%w: kind %q, want %s", errBadReview, header.Kind, reviewKind)
	}
	switch header.APIVersion {
	case reviewV1:
		return decodeV1(body)
	case reviewV1beta1:
		return decodeV1beta1(body)
	default:
		return nil, fmt.Errorf("%w: apiVersion %q, want %s or %s", errBadReview, header.APIVersion, reviewV1, reviewV1beta1)
	}
}

func decodeV1(body []byte) (*review, error) {
	var in apiextensionsv1.ConversionReview
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("%w: %w", errBadReview, err)
	}
	if in.Request == nil {
		return nil, fmt.Errorf("%w: no request", errBadReview)
	}
	r := in.Request
	return checkReview(&review{apiVersion: reviewV1, uid: r.UID, desired: r.DesiredAPIVersion, raw: rawObjects(r.Objects)})
}

func decodeV1beta1(body []byte) (*review, error) {
	var in apiextensionsv1beta1.ConversionReview
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("%w: %w", errBadReview, err)
	}
	if in.Request == nil {
		return nil, fmt.Errorf("%w: no request", errBadReview)
	}
	r := in.Request
	return checkReview(&review{apiVersion: reviewV1beta1, uid: r.UID, desired: r.DesiredAPIVersion, raw: rawObjects(r.Objects)})
}

// rawObjects keeps a review without objects apart from one whose objects
// are decoded: raw is never nil.
func rawObjects(objects []runtime.RawExtension) []runtime.RawExtension {
	if objects == nil {
		return []runtime.RawExtension{}
	}
	return objects
}

func checkReview(r *review) (*review, error) {
	if r.uid == "" {
		return nil, fmt.Errorf("%w: request has no uid", errBadReview)
	}
	if r.desired == "" {
		return nil, fmt.Errorf("%w: request has no desiredAPIVersion", errBadReview)
	}
	return r, nil
}

// decodeObject parses one object of a review the way pkg/conversion
// needs it: numbers become int64 or float64, never json.Number.
func decodeObject(raw runtime.RawExtension) (any, error) {
	var obj any
	if err := utiljson.Unmarshal(raw.Raw, &obj); err != nil {
		return nil, err
	}
	return obj, nil
}
