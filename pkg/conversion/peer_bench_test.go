package conversion

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	crconversion "sigs.k8s.io/controller-runtime/pkg/webhook/conversion"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/conversion/internal/crpeer"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// peerCase is a review both webhooks answer: n corpus objects of one
// version, to convert to another.
type peerCase struct {
	name     string
	crd      string
	from, to string
	n        int
}

// peerCases are the reviews of the benchmarks against controller-runtime:
// TrafficTarget moves fields and stashes the port going up, MeshConfig
// stashes the fields v1alpha1 lacks going down.
var peerCases = []peerCase{
	{"1 TrafficTarget v1alpha1 to v1alpha3", trafficTargetCRD, "v1alpha1", "v1alpha3", 1},
	{"100 TrafficTargets v1alpha1 to v1alpha3", trafficTargetCRD, "v1alpha1", "v1alpha3", 100},
	{"1 MeshConfig v1alpha2 to v1alpha1", meshConfigCRD, "v1alpha2", "v1alpha1", 1},
	{"100 MeshConfigs v1alpha2 to v1alpha1", meshConfigCRD, "v1alpha2", "v1alpha1", 100},
}

// body returns the case's ConversionReview: the corpus object as the API
// server stores it, n times under different names and uids.
func (c peerCase) body(b testing.TB) string {
	b.Helper()
	stored := schemaOf(b, c.crd, c.from).stored(corpusObject(b, c.crd, c.from))
	objects := make([]runtime.RawExtension, c.n)
	for i := range objects {
		obj := runtime.DeepCopyJSON(stored)
		meta := obj["metadata"].(map[string]any)
		meta["name"] = fmt.Sprintf("%s-%d", meta["name"], i)
		meta["uid"] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		data, err := json.Marshal(obj)
		if err != nil {
			b.Fatal(err)
		}
		objects[i] = runtime.RawExtension{Raw: data}
	}
	data, err := json.Marshal(&apiextensionsv1.ConversionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: reviewV1, Kind: reviewKind},
		Request: &apiextensionsv1.ConversionRequest{UID: types.UID("bench"),
			DesiredAPIVersion: c.desired(b), Objects: objects},
	})
	if err != nil {
		b.Fatal(err)
	}
	return string(data)
}

func (c peerCase) desired(b testing.TB) string {
	return testCRD(b, c.crd).Spec.Group + "/" + c.to
}

// newPeerHandler returns controller-runtime's conversion webhook over the
// crpeer types.
func newPeerHandler() http.Handler {
	return crconversion.NewWebhookHandler(crpeer.NewScheme(), crconversion.NewRegistry())
}

// BenchmarkHandlerVsControllerRuntime answers the same reviews with this
// package's handler, controller-runtime's conversion webhook on the crpeer
// types, and the floor: encoding/json decoding the review into generic
// values and encoding it again with the apiVersions changed. The three run
// in turn in every iteration, so that a noisy machine slows all alike.
// Metrics: each one's ns per review, cr/ours (goal at least 1.5) and
// ours/floor (goal at most 1.5).
func BenchmarkHandlerVsControllerRuntime(b *testing.B) {
	ours, theirs := NewHandler(testRegistry(b), HandlerOptions{}), newPeerHandler()
	for _, c := range peerCases {
		body, desired, path := c.body(b), c.desired(b), crds.ConvertPath(c.crd)
		checkSameAnswers(b, c, answerOf(b, ours, path, body), answerOf(b, theirs, path, body))
		b.Run(c.name, func(b *testing.B) {
			var oursTime, theirsTime, floorTime time.Duration
			for b.Loop() {
				start := time.Now()
				post(ours, path, "application/json", body)
				mid := time.Now()
				post(theirs, path, "application/json", body)
				end := time.Now()
				if _, err := floorConvert([]byte(body), desired); err != nil {
					b.Fatal(err)
				}
				floorTime += time.Since(end)
				oursTime, theirsTime = oursTime+mid.Sub(start), theirsTime+end.Sub(mid)
			}
			n := float64(b.N)
			b.ReportMetric(float64(oursTime.Nanoseconds())/n, "ours-ns/review")
			b.ReportMetric(float64(theirsTime.Nanoseconds())/n, "cr-ns/review")
			b.ReportMetric(float64(floorTime.Nanoseconds())/n, "floor-ns/review")
			b.ReportMetric(float64(theirsTime)/float64(oursTime), "cr/ours")
			b.ReportMetric(float64(oursTime)/float64(floorTime), "ours/floor")
		})
	}
}

// floorConvert is the least a webhook does: decode the review into generic
// values with encoding/json, set each object's apiVersion, encode the
// response.
func floorConvert(body []byte, desired string) ([]byte, error) {
	var rev map[string]any
	if err := json.Unmarshal(body, &rev); err != nil {
		return nil, err
	}
	req, _ := rev["request"].(map[string]any)
	objects, _ := req["objects"].([]any)
	for _, o := range objects {
		if obj, ok := o.(map[string]any); ok {
			obj["apiVersion"] = desired
		}
	}
	return json.Marshal(map[string]any{
		"apiVersion": rev["apiVersion"], "kind": rev["kind"],
		"response": map[string]any{"uid": req["uid"], "convertedObjects": objects,
			"result": map[string]any{"status": "Success"}},
	})
}

// answerOf posts body and decodes the answer, which must be a success.
func answerOf(b testing.TB, h http.Handler, path, body string) answer {
	b.Helper()
	rec := post(h, path, "application/json", body)
	var a answer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || a.Response.Result.Status != "Success" {
		b.Fatalf("answer %d %s: %v", rec.Code, rec.Body.String(), err)
	}
	return a
}

// checkSameAnswers checks that both webhooks converted the same way, up to
// where each keeps what the target version cannot hold, so that the
// benchmark compares the same work.
func checkSameAnswers(b testing.TB, c peerCase, ours, theirs answer) {
	b.Helper()
	if len(ours.Response.ConvertedObjects) != c.n || len(theirs.Response.ConvertedObjects) != c.n {
		b.Fatalf("%s: %d and %d objects, want %d", c.name, len(ours.Response.ConvertedObjects),
			len(theirs.Response.ConvertedObjects), c.n)
	}
	for i := range c.n {
		o, t := ours.Response.ConvertedObjects[i], theirs.Response.ConvertedObjects[i]
		if stashOf(b, o) == nil || !hasAnnotation(t, crpeer.LostAnnotation) {
			b.Fatalf("%s: object %d: a conversion kept nothing of what its target cannot hold", c.name, i)
		}
		if w, g := canonical(b, withoutKept(o)), canonical(b, withoutKept(t)); w != g {
			b.Fatalf("%s: object %d differs:\nours %s\ncr   %s", c.name, i, w, g)
		}
	}
}

func hasAnnotation(obj map[string]any, key string) bool {
	meta, _ := obj["metadata"].(map[string]any)
	annotations, _ := meta["annotations"].(map[string]any)
	_, ok := annotations[key]
	return ok
}

// withoutKept returns obj without either webhook's annotation of what the
// target version cannot hold, and without the null creationTimestamp
// that typed objects add.
func withoutKept(obj map[string]any) map[string]any {
	obj = runtime.DeepCopyJSON(obj)
	meta, _ := obj["metadata"].(map[string]any)
	if ts, ok := meta["creationTimestamp"]; ok && ts == nil {
		delete(meta, "creationTimestamp")
	}
	if annotations, ok := meta["annotations"].(map[string]any); ok {
		delete(annotations, StashAnnotation)
		delete(annotations, crpeer.LostAnnotation)
		if len(annotations) == 0 {
			delete(meta, "annotations")
		}
	}
	return obj
}
