package conversion

import (
	"encoding/json"
	"errors"
	"fmt"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
// conversion needs; apiVersion is the version to answer in.
type review struct {
	apiVersion string
	uid        types.UID
	desired    string
	objects    []runtime.RawExtension
}

// reviewHeader is read first to learn the review's version.
type reviewHeader struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

// decodeReview parses a ConversionReview body of either version.
func decodeReview(body []byte) (*review, error) {
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
	return checkReview(&review{apiVersion: reviewV1, uid: r.UID, desired: r.DesiredAPIVersion, objects: r.Objects})
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
	return checkReview(&review{apiVersion: reviewV1beta1, uid: r.UID, desired: r.DesiredAPIVersion, objects: r.Objects})
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

// outcome is the answer to a review: the converted objects, or the reason
// none could be.
type outcome struct {
	objects []runtime.RawExtension
	err     error
}

// encodeResponse writes the answer in the review's own version, with its
// uid.
func encodeResponse(r *review, out outcome) ([]byte, error) {
	status := metav1.Status{Status: metav1.StatusSuccess}
	objects := out.objects
	if out.err != nil {
		status = metav1.Status{Status: metav1.StatusFailure, Message: out.err.Error()}
		objects = nil
	}
	if r.apiVersion == reviewV1beta1 {
		return json.Marshal(&apiextensionsv1beta1.ConversionReview{
			TypeMeta: metav1.TypeMeta{APIVersion: reviewV1beta1, Kind: reviewKind},
			Response: &apiextensionsv1beta1.ConversionResponse{UID: r.uid, ConvertedObjects: objects, Result: status},
		})
	}
	return json.Marshal(&apiextensionsv1.ConversionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: reviewV1, Kind: reviewKind},
		Response: &apiextensionsv1.ConversionResponse{UID: r.uid, ConvertedObjects: objects, Result: status},
	})
}
