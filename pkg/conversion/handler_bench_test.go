package conversion

import (
	"testing"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// BenchmarkHandler answers the reviews of BenchmarkHandlerVsControllerRuntime
// with this package's handler alone, for profiles and allocation counts.
func BenchmarkHandler(b *testing.B) {
	h := NewHandler(testRegistry(b), HandlerOptions{Metrics: NewMetrics()})
	for _, c := range peerCases {
		body, path := c.body(b), crds.ConvertPath(c.crd)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if rec := post(h, path, "application/json", body); rec.Code != 200 {
					b.Fatalf("code %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
