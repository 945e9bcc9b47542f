package faultproxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// upstreamToken is the bearer token of the upstream config; the proxy must
// send it whatever the client sends.
const upstreamToken = "upstream-token"

// upstream is a TLS server standing in for the API server: it answers 200
// with the path, records the Authorization header it got, and on /stream
// sends one line, flushes, then waits for the client to go.
type upstream struct {
	srv *httptest.Server

	mu   sync.Mutex
	auth []string
}

func newUpstream(t *testing.T) *upstream {
	t.Helper()
	u := &upstream{}
	u.srv = httptest.NewTLSServer(http.HandlerFunc(u.serve))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) serve(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	u.auth = append(u.auth, r.Header.Get("Authorization"))
	u.mu.Unlock()
	if r.URL.Path == "/stream" {
		_, _ = io.WriteString(w, "first event\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		return
	}
	_, _ = io.WriteString(w, "upstream "+r.URL.Path)
}

func (u *upstream) config() *rest.Config {
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: u.srv.Certificate().Raw})
	return &rest.Config{
		Host:            u.srv.URL,
		BearerToken:     upstreamToken,
		TLSClientConfig: rest.TLSClientConfig{CAData: ca},
	}
}

func newHTTP(t *testing.T, u *upstream) *HTTP {
	t.Helper()
	p, err := NewHTTP(u.config())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p
}

// client trusts the proxy's CA only.
func client(t *testing.T, p *HTTP) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(p.CAPEM()) {
		t.Fatal("the proxy's CA does not parse")
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: ioTimeout}
}

func send(t *testing.T, c *http.Client, p *HTTP, method, path string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, p.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

type request struct{ method, path string }

func TestHTTPRules(t *testing.T) {
	patchCRDs := Match{Method: http.MethodPatch, PathPrefix: "/apis/apiextensions.k8s.io/"}
	tests := []struct {
		name     string
		rules    []Rule
		requests []request
		want     []int
	}{
		{
			name:     "no rule forwards",
			requests: []request{{"GET", "/version"}},
			want:     []int{200},
		},
		{
			name:     "times bounds the hits",
			rules:    []Rule{{Status: 429, Times: 2}},
			requests: []request{{"GET", "/a"}, {"GET", "/b"}, {"GET", "/c"}},
			want:     []int{429, 429, 200},
		},
		{
			name:  "method and path select",
			rules: []Rule{{Match: patchCRDs, Status: 403}},
			requests: []request{
				{"GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"},
				{"PATCH", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x"},
				{"PATCH", "/api/v1/namespaces/x"},
			},
			want: []int{200, 403, 200},
		},
		{
			name:     "query selects",
			rules:    []Rule{{Match: Match{Query: "watch=true"}, Status: 500}},
			requests: []request{{"GET", "/a?watch=true"}, {"GET", "/a?limit=1"}},
			want:     []int{500, 200},
		},
		{
			name:     "skip lets the first through",
			rules:    []Rule{{Status: 503, Skip: 1, Times: 1}},
			requests: []request{{"GET", "/a"}, {"GET", "/a"}, {"GET", "/a"}},
			want:     []int{200, 503, 200},
		},
		{
			name:     "the first rule that hits wins",
			rules:    []Rule{{Status: 503, Times: 1}, {Status: 429, Times: 1}},
			requests: []request{{"GET", "/a"}, {"GET", "/a"}, {"GET", "/a"}},
			want:     []int{503, 429, 200},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newHTTP(t, newUpstream(t))
			for _, r := range tt.rules {
				p.Add(r)
			}
			c := client(t, p)
			for i, r := range tt.requests {
				if got := send(t, c, p, r.method, r.path).StatusCode; got != tt.want[i] {
					t.Errorf("%s %s: status %d, want %d", r.method, r.path, got, tt.want[i])
				}
			}
			if n := len(p.Requests(Match{})); n != len(tt.requests) {
				t.Errorf("recorded %d requests, want %d", n, len(tt.requests))
			}
		})
	}
}

// TestHTTPWindow hits for a window that starts at the first hit.
func TestHTTPWindow(t *testing.T) {
	const window = 300 * time.Millisecond
	p := newHTTP(t, newUpstream(t))
	f := p.Add(Rule{Status: 503, For: window})
	c := client(t, p)

	if got := send(t, c, p, "GET", "/a").StatusCode; got != 503 {
		t.Fatalf("in the window: %d, want 503", got)
	}
	time.Sleep(time.Until(f.FirstHit().Add(window)))
	if got := send(t, c, p, "GET", "/a").StatusCode; got != 200 {
		t.Errorf("after the window: %d, want 200", got)
	}
	if f.Hits() != 1 {
		t.Errorf("%d hits, want 1", f.Hits())
	}
}

// TestHTTPStatusBody checks that an injected answer reads like the API
// server's: a Status with the reason and the Retry-After.
func TestHTTPStatusBody(t *testing.T) {
	p := newHTTP(t, newUpstream(t))
	p.Add(Rule{Status: 429, RetryAfter: 2 * time.Second, Message: "slow down"})
	resp := send(t, client(t, p), p, "GET", "/a")

	if got := resp.Header.Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After %q, want 2", got)
	}
	var st metav1.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	if st.Kind != "Status" || st.Code != 429 || st.Reason != metav1.StatusReasonTooManyRequests ||
		st.Message != "slow down" || st.Details == nil || st.Details.RetryAfterSeconds != 2 {
		t.Errorf("status %+v", st)
	}
}

// TestHTTPReplacesCredentials sends a token of the client's own: the
// upstream must see the proxy's.
func TestHTTPReplacesCredentials(t *testing.T) {
	u := newUpstream(t)
	p := newHTTP(t, u)
	req, err := http.NewRequest("GET", p.URL()+"/a", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer client-token")
	resp, err := client(t, p).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()

	if string(body) != "upstream /a" {
		t.Errorf("body %q", body)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.auth) != 1 || u.auth[0] != "Bearer "+upstreamToken {
		t.Errorf("upstream saw Authorization %q, want the proxy's token", u.auth)
	}
}

// TestHTTPStreams reads the first line of a response that has not ended:
// watches depend on the proxy flushing at once.
func TestHTTPStreams(t *testing.T) {
	p := newHTTP(t, newUpstream(t))
	line, err := bufio.NewReader(send(t, client(t, p), p, "GET", "/stream").Body).ReadString('\n')
	if line != "first event\n" {
		t.Errorf("read %q, %v", line, err)
	}
}

// TestHTTPStall holds a request until its client gives up, and another
// until the proxy closes.
func TestHTTPStall(t *testing.T) {
	p, err := NewHTTP(newUpstream(t).config())
	if err != nil {
		t.Fatal(err)
	}
	f := p.Add(Rule{Stall: true})
	c := client(t, p)

	ctx, cancel := context.WithTimeout(context.Background(), quiet)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", p.URL()+"/a", nil)
	if _, err := c.Do(req); err == nil || ctx.Err() == nil {
		t.Errorf("a held request ended with %v before its client gave up", err)
	}

	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("GET", p.URL()+"/b", nil)
		resp, err := c.Do(req)
		if err == nil {
			_ = resp.Body.Close()
		}
		done <- err
	}()
	waitFor(t, func() bool { return f.Hits() == 2 })
	if err := p.Close(); err != nil {
		t.Error(err)
	}
	select {
	case <-done:
	case <-time.After(ioTimeout):
		t.Error("a held request outlived Close")
	}
}

// waitFor polls cond until it holds, failing the test after ioTimeout.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(ioTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWriteKubeconfig(t *testing.T) {
	p := newHTTP(t, newUpstream(t))
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := WriteKubeconfig(path, p.ClientConfig()); err != nil {
		t.Fatal(err)
	}

	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != p.URL() || string(cfg.CAData) != string(p.CAPEM()) {
		t.Errorf("read back host %q and CA %q", cfg.Host, cfg.CAData)
	}
	if cfg.BearerToken != "" || len(cfg.CertData) != 0 || !strings.HasPrefix(cfg.Host, "https://127.0.0.1:") {
		t.Errorf("unexpected config %+v", cfg)
	}
}
