package conversion

import (
	"encoding/json"
	"testing"

	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// BenchmarkConvert measures one object's conversion, decoding and encoding
// included, next to decoding and encoding alone (the floor a webhook pays
// whatever it converts).
func BenchmarkConvert(b *testing.B) {
	cases := []struct{ name, crd, from, to string }{
		{"MeshConfig v1alpha2 to v1alpha1", meshConfigCRD, "v1alpha2", "config.openservicemesh.io/v1alpha1"},
		{"MeshConfig v1alpha1 to v1alpha2", meshConfigCRD, "v1alpha1", "config.openservicemesh.io/v1alpha2"},
		{"TrafficTarget v1alpha1 to v1alpha3", trafficTargetCRD, "v1alpha1", "access.smi-spec.io/v1alpha3"},
		{"TrafficTarget v1alpha3 to v1alpha1", trafficTargetCRD, "v1alpha3", "access.smi-spec.io/v1alpha1"},
	}
	r := testRegistry(b)
	for _, c := range cases {
		data, err := json.Marshal(schemaOf(b, c.crd, c.from).stored(corpusObject(b, c.crd, c.from)))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				var obj map[string]any
				if err := utiljson.Unmarshal(data, &obj); err != nil {
					b.Fatal(err)
				}
				out, err := r.Convert(c.crd, obj, c.to)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := json.Marshal(out); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+" floor", func(b *testing.B) {
			for b.Loop() {
				var obj map[string]any
				if err := utiljson.Unmarshal(data, &obj); err != nil {
					b.Fatal(err)
				}
				if _, err := json.Marshal(obj); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
