package conversion

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/certs"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// The load of BenchmarkServerVsControllerRuntime.
const (
	// loadClients is how many clients send reviews at once.
	loadClients = 16
	// loadRequestsPerClient is how many reviews each client sends to each
	// server per iteration.
	loadRequestsPerClient = 8
	// serverStartTimeout bounds the wait for a server to answer.
	serverStartTimeout = 20 * time.Second
	// loadRequestTimeout bounds one review under load.
	loadRequestTimeout = 30 * time.Second
)

// BenchmarkServerVsControllerRuntime compares this package's webhook
// server with controller-runtime's (webhook.NewServer with its conversion
// handler on the crpeer types) over TLS on loopback, with the same
// certificate. For every case each server runs in a child process of its
// own, the test binary run again as TestBenchServerChild, and this process
// sends both the same reviews from loadClients clients at once, one server
// after the other in every iteration. Both children are the same binary;
// controller-runtime's builds none of this package's registry.
//
// Metrics: p50 and p99 latency and throughput of each, and p99 ours/cr
// (goal at most 0.7); each child's peak RSS (VmHWM from
// /proc/<pid>/status) once serving, before any load, and after the runs,
// with the ratio of the peaks, rss-ours/cr (goal at most 1.0), and of what
// the load added to each, load-rss-ours/cr. Allocations in this process
// are the client's alone and say nothing of the servers, so they are not
// reported.
func BenchmarkServerVsControllerRuntime(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("peak RSS is read from /proc")
	}
	dir, pool := writeServingCert(b)
	for _, c := range []peerCase{peerCases[0], peerCases[1]} {
		body, path := c.body(b), crds.ConvertPath(c.crd)
		b.Run(c.name, func(b *testing.B) {
			ours, theirs := startServerChild(b, oursServer, dir), startServerChild(b, peerServer, dir)
			o, t := newLoad(ours.addr, path, body, pool), newLoad(theirs.addr, path, body, pool)
			o.run(b)
			t.run(b)
			o.reset()
			t.reset()
			for b.Loop() {
				o.run(b)
				t.run(b)
			}
			o.report(b, "ours")
			t.report(b, "cr")
			b.ReportMetric(float64(o.percentile(99))/float64(t.percentile(99)), "p99-ours/cr")
			oursRSS, theirsRSS := ours.peakRSS(b), theirs.peakRSS(b)
			b.ReportMetric(oursRSS/(1<<20), "ours-peak-RSS-MiB")
			b.ReportMetric(theirsRSS/(1<<20), "cr-peak-RSS-MiB")
			b.ReportMetric(oursRSS/theirsRSS, "rss-ours/cr")
			// What the load added over the start: the servers' own
			// memory under load, without what loading their code and
			// (ours) the bundle cost.
			b.ReportMetric(ours.startRSS/(1<<20), "ours-start-RSS-MiB")
			b.ReportMetric(theirs.startRSS/(1<<20), "cr-start-RSS-MiB")
			b.ReportMetric((oursRSS-ours.startRSS)/(theirsRSS-theirs.startRSS), "load-rss-ours/cr")
		})
	}
}

// writeServingCert issues a CA and serving certificate with pkg/certs, as
// apply does, writes the serving pair into a directory as tls.crt and
// tls.key, and returns it with the CA's pool.
func writeServingCert(b *testing.B) (string, *x509.CertPool) {
	b.Helper()
	client := fake.NewClientset()
	caPEM, err := certs.EnsureSecret(context.Background(), client, "bench", "webhook", nil, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	secret, err := client.CoreV1().Secrets("bench").Get(context.Background(), certs.SecretName, metav1.GetOptions{})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	for _, key := range []string{certs.TLSCertKey, certs.TLSKeyKey} {
		if err := os.WriteFile(filepath.Join(dir, key), secret.Data[key], 0o600); err != nil {
			b.Fatal(err)
		}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		b.Fatal("no CA certificate in the Secret")
	}
	return dir, pool
}

// load sends one review to one server from loadClients clients at once,
// over keep-alive HTTP/1.1 connections as the API server does, and
// records the latencies.
type load struct {
	url    string
	body   string
	client *http.Client

	latencies []time.Duration
	elapsed   time.Duration
}

func newLoad(addr, path, body string, pool *x509.CertPool) *load {
	transport := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"},
		MaxIdleConnsPerHost: loadClients,
	}
	return &load{url: "https://" + addr + path, body: body,
		client: &http.Client{Transport: transport, Timeout: loadRequestTimeout}}
}

// run sends loadRequestsPerClient reviews from each client, waiting for
// the server to come up the first time.
func (l *load) run(b *testing.B) {
	b.Helper()
	if l.latencies == nil {
		l.waitUp(b)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, loadClients)
	start := time.Now()
	for range loadClients {
		wg.Go(func() {
			mine, err := l.send(loadRequestsPerClient)
			if err != nil {
				errs <- err
			}
			mu.Lock()
			l.latencies = append(l.latencies, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	l.elapsed += time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

// send posts the review n times and returns the latencies.
func (l *load) send(n int) ([]time.Duration, error) {
	out := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		if err := l.post(); err != nil {
			return out, err
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}

func (l *load) post() error {
	resp, err := l.client.Post(l.url, "application/json", strings.NewReader(l.body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(data, []byte(`"status":"Success"`)) {
		return fmt.Errorf("%s: %d %.200s", l.url, resp.StatusCode, data)
	}
	return nil
}

// waitUp posts until the server answers.
func (l *load) waitUp(b *testing.B) {
	b.Helper()
	deadline := time.Now().Add(serverStartTimeout)
	for {
		err := l.post()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("server never answered: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (l *load) reset() {
	l.latencies, l.elapsed = l.latencies[:0], 0
}

// percentile returns the p-th percentile of the latencies.
func (l *load) percentile(p int) time.Duration {
	sorted := slices.Clone(l.latencies)
	slices.Sort(sorted)
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

func (l *load) report(b *testing.B, who string) {
	b.ReportMetric(float64(l.percentile(50).Microseconds()), who+"-p50-µs")
	b.ReportMetric(float64(l.percentile(99).Microseconds()), who+"-p99-µs")
	b.ReportMetric(float64(len(l.latencies))/l.elapsed.Seconds(), who+"-reviews/s")
}
