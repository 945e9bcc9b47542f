package faultproxy

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"

	"k8s.io/client-go/rest"
)

// Bounds of the HTTP proxy.
const (
	// maxHold bounds how long a stalling rule holds one request, should
	// neither the client nor Close end it.
	maxHold = 2 * time.Minute
	// upstreamHandshakeTimeout bounds the TLS handshake with the upstream.
	upstreamHandshakeTimeout = 10 * time.Second
	// upstreamIdleTimeout closes upstream connections left idle.
	upstreamIdleTimeout = 30 * time.Second
	// readHeaderTimeout bounds reading a client's request headers.
	readHeaderTimeout = 10 * time.Second
)

// HTTP is a TLS-terminating reverse proxy in front of an API server that
// answers the requests its rules hit with injected failures. The upstream
// sees every forwarded request as the identity of the config the proxy was
// built from, whatever the client sent.
type HTTP struct {
	url      string
	caPEM    []byte
	srv      *http.Server
	forward  *httputil.ReverseProxy
	upstream *http.Transport
	closing  chan struct{}
	served   chan struct{} // closed when srv.Serve returned
	handlers sync.WaitGroup
	seen     recorder

	mu     sync.Mutex
	faults []*Fault
	closed bool
}

// NewHTTP starts an HTTP proxy on a free port of 127.0.0.1 in front of the
// API server of upstream, reusing its TLS client settings (CA, client
// certificate) and bearer token.
func NewHTTP(upstream *rest.Config) (*HTTP, error) {
	target, transport, token, err := upstreamOf(upstream)
	if err != nil {
		return nil, err
	}
	cert, caPEM, err := selfSigned()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}

	p := &HTTP{
		url:      "https://" + ln.Addr().String(),
		caPEM:    caPEM,
		upstream: transport,
		closing:  make(chan struct{}),
		served:   make(chan struct{}),
	}
	p.forward = newForwarder(target, transport, token)
	p.srv = &http.Server{
		Handler:           p,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: readHeaderTimeout,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() {
		defer close(p.served)
		_ = p.srv.ServeTLS(ln, "", "")
	}()
	return p, nil
}

// upstreamOf returns the API server's URL, a transport that presents cfg's
// client certificate and trusts its CA, and cfg's bearer token.
func upstreamOf(cfg *rest.Config) (*url.URL, *http.Transport, string, error) {
	target, _, err := rest.DefaultServerUrlFor(cfg)
	if err != nil {
		return nil, nil, "", fmt.Errorf("upstream URL: %w", err)
	}
	tlsConfig, err := rest.TLSConfigFor(cfg)
	if err != nil {
		return nil, nil, "", fmt.Errorf("upstream TLS config: %w", err)
	}
	transport := &http.Transport{
		TLSClientConfig:     tlsConfig,
		ForceAttemptHTTP2:   true,
		TLSHandshakeTimeout: upstreamHandshakeTimeout,
		IdleConnTimeout:     upstreamIdleTimeout,
	}
	return target, transport, cfg.BearerToken, nil
}

// newForwarder builds the reverse proxy to target. It flushes every write
// at once, so that watches stream, and replaces the client's credentials
// with token (none when empty: the transport's client certificate then
// authenticates).
func newForwarder(target *url.URL, transport http.RoundTripper, token string) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Header.Del("Authorization")
			if token != "" {
				pr.Out.Header.Set("Authorization", "Bearer "+token)
			}
		},
		Transport:     transport,
		FlushInterval: -1,
		ErrorLog:      log.New(io.Discard, "", 0),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, _ error) {
			// A client that gave up is no failure of the proxy.
			if r.Context().Err() == nil {
				w.WriteHeader(http.StatusBadGateway)
			}
		},
	}
}

// URL is the proxy's https URL.
func (p *HTTP) URL() string { return p.url }

// CAPEM is the PEM of the CA a client must trust to talk to the proxy.
func (p *HTTP) CAPEM() []byte { return p.caPEM }

// ClientConfig is a client config for the proxy: its URL and CA, and no
// credentials, which the proxy supplies upstream.
func (p *HTTP) ClientConfig() *rest.Config {
	return &rest.Config{Host: p.url, TLSClientConfig: rest.TLSClientConfig{CAData: p.caPEM}}
}

// Add puts rule in force, after the rules already added: a request gets the
// first rule that hits it.
func (p *HTTP) Add(rule Rule) *Fault {
	f := &Fault{rule: rule}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = append(p.faults, f)
	return f
}

// Clear removes every rule; requests held by a stalling rule stay held
// until their client gives up.
func (p *HTTP) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = nil
}

// Requests returns the requests the proxy saw that m matches, in order.
func (p *HTTP) Requests(m Match) []Request {
	return p.seen.matching(m)
}

// ServeHTTP answers r as the first rule that hits it says, or forwards it.
func (p *HTTP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.handlers.Add(1)
	defer p.handlers.Done()

	f := p.faultFor(r)
	switch {
	case f == nil:
		p.forward.ServeHTTP(w, r)
	case f.rule.Stall:
		p.hold(w, r)
	default:
		writeStatus(w, r, f.rule)
	}
}

// faultFor returns the fault that hits r, nil for none, and records r.
func (p *HTTP) faultFor(r *http.Request) *Fault {
	method, path, query := requestKey(r)
	now := time.Now()
	p.mu.Lock()
	faults := p.faults
	p.mu.Unlock()

	var hit *Fault
	for _, f := range faults {
		if f.take(method, path, query, now) {
			hit = f
			break
		}
	}
	p.seen.add(Request{Method: method, Path: path, Query: query, Faulted: hit != nil, At: now})
	return hit
}

// hold answers nothing until the client gives up, the proxy closes or
// maxHold passes; then it answers 504 to a client still there.
func (p *HTTP) hold(w http.ResponseWriter, r *http.Request) {
	timer := time.NewTimer(maxHold)
	defer timer.Stop()
	select {
	case <-r.Context().Done():
	case <-p.closing:
	case <-timer.C:
		writeStatus(w, r, Rule{Status: http.StatusGatewayTimeout, Message: "faultproxy: request held too long"})
	}
}

// Close stops the proxy, ends held requests and closes every connection.
func (p *HTTP) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()

	close(p.closing)
	err := p.srv.Close()
	<-p.served
	if werr := waitGroup(&p.handlers, closeTimeout); werr != nil {
		err = errors.Join(err, werr)
	}
	p.upstream.CloseIdleConnections()
	return err
}
