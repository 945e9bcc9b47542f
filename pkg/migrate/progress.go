package migrate

import (
	"context"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// tally counts the objects of one rewrite; the patch workers add to it while
// the progress reporter reads it.
type tally struct {
	// migrated counts objects rewritten, conflicts included.
	migrated atomic.Int64
	// conflicts counts the objects another writer rewrote first.
	conflicts atomic.Int64
	// skipped counts the objects deleted before their rewrite.
	skipped atomic.Int64
	// failed counts the objects whose rewrite failed.
	failed atomic.Int64
	// total is the number of objects the first page announced; -1 unknown.
	total atomic.Int64
}

func newTally() *tally {
	t := &tally{}
	t.total.Store(-1)
	return t
}

// done counts the objects dealt with, whatever the outcome.
func (t *tally) done() int64 {
	return t.migrated.Load() + t.skipped.Load() + t.failed.Load()
}

// rate is objects per second over elapsed; zero before any time passed.
func rate(done int64, elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(done) / elapsed.Seconds()
}

// eta is the time left at the rate so far, and whether it can be told: the
// total must be known and some objects done.
func eta(done, total int64, elapsed time.Duration) (time.Duration, bool) {
	if total < 0 || done <= 0 || elapsed <= 0 {
		return 0, false
	}
	if done >= total {
		return 0, true
	}
	perObject := elapsed / time.Duration(done)
	return perObject * time.Duration(total-done), true
}

// reportProgress logs the tally of crd every interval until ctx ends.
func (m *Migrator) reportProgress(ctx context.Context, crd string, t *tally, start time.Time) {
	ticker := time.NewTicker(m.opts.ProgressInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticker.C:
			m.logProgress(crd, t, now.Sub(start))
		}
	}
}

func (m *Migrator) logProgress(crd string, t *tally, elapsed time.Duration) {
	done, total := t.done(), t.total.Load()
	fields := []zap.Field{
		zap.String("crd", crd),
		zap.Int64("done", done),
		zap.Float64("rate", rate(done, elapsed)),
		zap.Duration("elapsed", elapsed),
	}
	if total >= 0 {
		fields = append(fields, zap.Int64("total", total))
	}
	if left, ok := eta(done, total, elapsed); ok {
		fields = append(fields, zap.Duration("eta", left))
	}
	m.log.Info("migration progress", fields...)
}
