package conversion

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// Connection limits of the servers. The API server sends one review per
// request and waits at most 30 s for the answer (a webhook timeout it does
// not let CRDs raise), so nothing legitimate needs more.
const (
	readHeaderTimeout = 10 * time.Second
	// readTimeout covers a body of DefaultMaxBodyBytes on a slow link.
	readTimeout  = 30 * time.Second
	writeTimeout = 30 * time.Second
	// idleTimeout keeps the API server's connections open between
	// reviews, sparing TLS handshakes, without holding dead ones forever.
	idleTimeout    = 90 * time.Second
	maxHeaderBytes = 64 << 10
)

const (
	// DefaultDrainDelay is how long the webhook keeps serving after
	// SIGTERM: the endpoints controller and every kube-proxy take a moment
	// to stop sending traffic to a terminating pod.
	DefaultDrainDelay = 5 * time.Second
	// ShutdownGracePeriod is how long in-flight reviews get to finish
	// after the drain delay, within the pod's default 30 s termination
	// grace period.
	ShutdownGracePeriod = 15 * time.Second
)

// ServerOptions configure Serve.
type ServerOptions struct {
	// Addr is the HTTPS address of the conversions, such as ":9443".
	Addr string
	// HealthAddr is the plain HTTP address of /healthz, /readyz and
	// /metrics.
	HealthAddr string
	// DrainDelay is how long to keep serving once ctx ends.
	DrainDelay time.Duration
	// MaxBodyBytes limits a review's body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	Log          *zap.Logger
}

// Server is the conversion webhook: HTTPS conversions and plain health.
type Server struct {
	opts     ServerOptions
	registry *Registry
	source   *CertSource
	metrics  *Metrics
	draining atomic.Bool
}

// NewServer returns the webhook of the registry's CRDs, serving the
// certificates of source.
func NewServer(opts ServerOptions, registry *Registry, source *CertSource, metrics *Metrics) *Server {
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	if metrics == nil {
		metrics = NewMetrics()
	}
	return &Server{opts: opts, registry: registry, source: source, metrics: metrics}
}

// Serve listens on both addresses, serves until ctx ends, then drains and
// shuts down. It returns nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context) error {
	tlsListener, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.opts.Addr, err)
	}
	healthListener, err := net.Listen("tcp", s.opts.HealthAddr)
	if err != nil {
		_ = tlsListener.Close()
		return fmt.Errorf("listen on %s: %w", s.opts.HealthAddr, err)
	}
	return s.serve(ctx, tlsListener, healthListener)
}

func (s *Server) serve(ctx context.Context, tlsListener, healthListener net.Listener) error {
	sourceCtx, stopSource := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSource()
	go s.source.Run(sourceCtx)

	webhook := s.webhookServer()
	health := newHTTPServer(s.healthHandler())
	errs := make(chan error, 2)
	go func() { errs <- webhook.ServeTLS(tlsListener, "", "") }()
	go func() { errs <- health.Serve(healthListener) }()
	s.opts.Log.Info("webhook serving", zap.String("address", tlsListener.Addr().String()),
		zap.String("healthAddress", healthListener.Addr().String()), zap.Int("crds", len(s.registry.CRDs())))

	select {
	case err := <-errs:
		_ = webhook.Close()
		_ = health.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	return s.shutdown(webhook, health)
}

// shutdown turns unready, keeps serving for the drain delay, then waits
// for in-flight reviews up to ShutdownGracePeriod.
func (s *Server) shutdown(webhook, health *http.Server) error {
	s.draining.Store(true)
	s.opts.Log.Info("webhook draining", zap.Duration("drainDelay", s.opts.DrainDelay))
	time.Sleep(s.opts.DrainDelay)

	ctx, cancel := context.WithTimeout(context.Background(), ShutdownGracePeriod)
	defer cancel()
	err := errors.Join(webhook.Shutdown(ctx), health.Shutdown(ctx))
	if err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	s.opts.Log.Info("webhook stopped")
	return nil
}

func (s *Server) webhookServer() *http.Server {
	srv := newHTTPServer(NewHandler(s.registry, HandlerOptions{
		MaxBodyBytes: s.opts.MaxBodyBytes, Metrics: s.metrics, Log: s.opts.Log,
	}))
	srv.TLSConfig = &tls.Config{
		MinVersion:     tls.VersionTLS12,
		CipherSuites:   modernCipherSuites,
		GetCertificate: s.source.GetCertificate,
		NextProtos:     []string{"http/1.1"},
	}
	// The API server speaks HTTP/1.1 to webhooks; an empty map turns
	// HTTP/2 off.
	srv.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
	return srv
}

// modernCipherSuites are the TLS 1.2 suites with forward secrecy and AEAD;
// TLS 1.3 suites are not configurable and all modern.
var modernCipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

// Ready reports whether the webhook can answer reviews: a certificate is
// loaded, the converters are built and it is not draining.
func (s *Server) Ready() bool {
	return s.registry != nil && s.source.Ready() && !s.draining.Load()
}

func (s *Server) healthHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !s.Ready() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.Handle("/metrics", s.metrics.Handler())
	return mux
}

// JoinHostPort returns the listen address of a port on every interface.
func JoinHostPort(port int) string { return net.JoinHostPort("", strconv.Itoa(port)) }
