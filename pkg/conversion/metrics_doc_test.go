package conversion

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADMEListsEveryMetric keeps the README's metrics table in step with
// the metrics the webhook registers: each of ours must be named there.
func TestREADMEListsEveryMetric(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := NewMetrics()
	m.observeReview("c", "v1", "v2", "Success", 1, 0) // vectors appear once they have a child
	m.panics.WithLabelValues("c").Inc()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, f := range families {
		name := f.GetName()
		if !strings.HasPrefix(name, metricsNamespace+"_") {
			continue // Go runtime and process collectors
		}
		found++
		if !strings.Contains(string(readme), "`"+name+"`") {
			t.Errorf("README.md does not list the metric %s (type %s)", name, f.GetType())
		}
	}
	if found < 6 {
		t.Errorf("gathered %d metrics of %s, want at least 6", found, metricsNamespace)
	}
}
