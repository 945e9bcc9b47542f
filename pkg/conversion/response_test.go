package conversion

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// answerSlowly answers a review as the handler did before readReview and
// jsonWriter, with encoding/json all the way: the reference the handler's
// answers must equal byte for byte.
func answerSlowly(t testing.TB, crd string, body []byte) (int, string) {
	t.Helper()
	rev, err := decodeReviewSlowly(body)
	if err != nil {
		return http.StatusBadRequest, err.Error() + "\n"
	}
	objects, err := convertSlowly(t, crd, rev)
	status := metav1.Status{Status: metav1.StatusSuccess}
	if err != nil {
		objects, status = nil, metav1.Status{Status: metav1.StatusFailure, Message: err.Error()}
	}
	var out any = &apiextensionsv1.ConversionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: reviewV1, Kind: reviewKind},
		Response: &apiextensionsv1.ConversionResponse{UID: rev.uid, ConvertedObjects: objects, Result: status},
	}
	if rev.apiVersion == reviewV1beta1 {
		out = &apiextensionsv1beta1.ConversionReview{
			TypeMeta: metav1.TypeMeta{APIVersion: reviewV1beta1, Kind: reviewKind},
			Response: &apiextensionsv1beta1.ConversionResponse{UID: rev.uid, ConvertedObjects: objects, Result: status},
		}
	}
	data, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return http.StatusOK, string(data)
}

func convertSlowly(t testing.TB, crd string, rev *review) ([]runtime.RawExtension, error) {
	out := make([]runtime.RawExtension, 0, rev.len())
	for _, raw := range rev.raw {
		obj, err := decodeObject(raw)
		if err != nil {
			return nil, newError(crd, nil, rev.desired, fmt.Errorf("%w: %w", ErrNotObject, err))
		}
		converted, err := testRegistry(t).Convert(crd, obj, rev.desired)
		if err != nil {
			return nil, err
		}
		data, err := json.Marshal(converted)
		if err != nil {
			return nil, err
		}
		out = append(out, runtime.RawExtension{Raw: data})
	}
	return out, nil
}

// answerBodies are reviews of every corpus object to every version of its
// CRD, three at a time, in both review versions, with the CRD they are for.
func answerBodies(t testing.TB) (crdsOf, bodies []string) {
	for _, c := range corpusObjects(t) {
		stored, err := json.Marshal(schemaOf(t, c.crd, c.version).stored(c.obj))
		if err != nil {
			t.Fatal(err)
		}
		for i, to := range c.versions {
			apiVersion := []string{reviewV1, reviewV1beta1}[i%2]
			uid := fmt.Sprintf("uid-<%d>", i)
			obj := string(stored)
			crdsOf = append(crdsOf, c.crd)
			bodies = append(bodies, reviewBody(apiVersion, uid, c.group+"/"+to, obj, obj, obj))
		}
	}
	return crdsOf, bodies
}

// TestHandlerAnswersAsBefore checks the handler's answers, byte for byte,
// against answerSlowly's: for every corpus conversion, and for bodies that
// fail a review or an object.
func TestHandlerAnswersAsBefore(t *testing.T) {
	h := newTestHandler(t, HandlerOptions{})
	crdOf, bodies := answerBodies(t)
	odd := []string{
		reviewBody(reviewV1, "u", "access.smi-spec.io/v1alpha3", ttV1a1, `"text"`),
		reviewBody(reviewV1, "u", "access.smi-spec.io/v1alpha3", ttV1a1, `null`),
		reviewBody(reviewV1beta1, "u", "access.smi-spec.io/v9", ttV1a1),
		reviewBody(reviewV1, "u&", "config.openservicemesh.io/v1alpha1", ttV1a1),
		reviewBody(reviewV1, "u", "access.smi-spec.io/v1alpha3", `{"apiVersion":"access.smi-spec.io/v1alpha1","n":1e999}`),
		reviewBody(reviewV1, "u", "access.smi-spec.io/v1alpha3"),
		strings.Replace(reviewBody(reviewV1, "u", "access.smi-spec.io/v1alpha3", ttV1a1), `"request"`, `"Request"`, 1),
		`{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"u","desiredAPIVersion":"a/b"}}`,
		`{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview"}`,
		`{"kind":"ConversionReview"`,
	}
	for _, body := range odd {
		crdOf, bodies = append(crdOf, ttCRD), append(bodies, body)
	}
	for i, body := range bodies {
		code, want := answerSlowly(t, crdOf[i], []byte(body))
		rec := post(h, crds.ConvertPath(crdOf[i]), "application/json", body)
		if rec.Code != code || rec.Body.String() != want {
			t.Errorf("%s, body %d %.300s:\ngot  %d %s\nwant %d %s", crdOf[i], i, body, rec.Code, rec.Body, code, want)
		}
	}
}

// FuzzHandlerAsBefore answers arbitrary bodies: the same answers as
// answerSlowly.
func FuzzHandlerAsBefore(f *testing.F) {
	crdOf, bodies := answerBodies(f)
	for i, body := range bodies {
		if crdOf[i] == ttCRD {
			f.Add(body)
		}
	}
	r, err := Embedded()
	if err != nil {
		f.Fatal(err)
	}
	h := NewHandler(r, HandlerOptions{})
	f.Fuzz(func(t *testing.T, body string) {
		if body == "" {
			return
		}
		code, want := answerSlowly(t, ttCRD, []byte(body))
		rec := post(h, ttPath, "application/json", body)
		if rec.Code != code || rec.Body.String() != want {
			t.Errorf("body %q:\ngot  %d %s\nwant %d %s", body, rec.Code, rec.Body, code, want)
		}
	})
}
