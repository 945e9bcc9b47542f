package migrate

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestRate(t *testing.T) {
	cases := []struct {
		name    string
		done    int64
		elapsed time.Duration
		want    float64
	}{
		{"no time yet", 10, 0, 0},
		{"nothing done", 0, time.Second, 0},
		{"steady", 500, 2 * time.Second, 250},
		{"fraction of a second", 30, 100 * time.Millisecond, 300},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := rate(tc.done, tc.elapsed); got != tc.want {
				t.Errorf("rate(%d, %s) = %v, want %v", tc.done, tc.elapsed, got, tc.want)
			}
		})
	}
}

func TestETA(t *testing.T) {
	cases := []struct {
		name    string
		done    int64
		total   int64
		elapsed time.Duration
		want    time.Duration
		wantOK  bool
	}{
		{"total unknown", 100, -1, time.Second, 0, false},
		{"nothing done yet", 0, 100, time.Second, 0, false},
		{"no time yet", 10, 100, 0, 0, false},
		{"a quarter in 10s", 25, 100, 10 * time.Second, 30 * time.Second, true},
		{"done", 100, 100, 10 * time.Second, 0, true},
		{"more than announced (objects created meanwhile)", 120, 100, 10 * time.Second, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := eta(tc.done, tc.total, tc.elapsed)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("eta(%d, %d, %s) = %s, %t; want %s, %t", tc.done, tc.total, tc.elapsed, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestTallyDone(t *testing.T) {
	tl := newTally()
	if got := tl.total.Load(); got != -1 {
		t.Errorf("a new tally's total is %d, want -1 (unknown)", got)
	}
	tl.migrated.Add(5)
	tl.conflicts.Add(2) // among the migrated
	tl.skipped.Add(3)
	tl.failed.Add(1)
	if got := tl.done(); got != 9 {
		t.Errorf("done = %d, want 9 (5 migrated + 3 skipped + 1 failed)", got)
	}
}

func TestAnnounced(t *testing.T) {
	remaining := func(n int64) *int64 { return &n }
	cases := []struct {
		name string
		page metav1.PartialObjectMetadataList
		want int64
	}{
		{"the only page", metav1.PartialObjectMetadataList{Items: make([]metav1.PartialObjectMetadata, 3)}, 3},
		{"more to come, count given", metav1.PartialObjectMetadataList{
			ListMeta: metav1.ListMeta{Continue: "c", RemainingItemCount: remaining(7)},
			Items:    make([]metav1.PartialObjectMetadata, 5)}, 12},
		{"more to come, count not given", metav1.PartialObjectMetadataList{
			ListMeta: metav1.ListMeta{Continue: "c"}, Items: make([]metav1.PartialObjectMetadata, 5)}, -1},
		{"empty", metav1.PartialObjectMetadataList{}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := announced(&tc.page); got != tc.want {
				t.Errorf("announced = %d, want %d", got, tc.want)
			}
		})
	}
}
