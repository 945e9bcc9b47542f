package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// reviewsMetric counts the ConversionReviews the webhook answered, by CRD,
// versions and result.
const reviewsMetric = "osm_bootstrap_conversion_reviews_total"

// conversions is how many ConversionReviews of crd the webhook answered
// successfully so far, over all versions, read from its /metrics: the
// count of conversion round trips the API server made.
func (w *webhookProcess) conversions(ctx context.Context, crd string) (float64, error) {
	url := fmt.Sprintf("http://127.0.0.1:%d/metrics", w.health)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("read webhook metrics: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("read webhook metrics: %s %v", resp.Status, err)
	}
	return sumCounter(string(body), reviewsMetric, `crd="`+crd+`"`, `result="success"`)
}

// sumCounter sums the samples of metric, in the Prometheus text format,
// whose labels contain every one of labels.
func sumCounter(text, metric string, labels ...string) (float64, error) {
	total := 0.0
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, metric+"{") || !containsAll(line, labels) {
			continue
		}
		fields := strings.Fields(line)
		v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err != nil {
			return 0, fmt.Errorf("metric line %q: %w", line, err)
		}
		total += v
	}
	return total, nil
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
