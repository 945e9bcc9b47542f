package conversion

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/certs"
)

const (
	// FileReloadInterval is how often certificate files are read again.
	// Mounted Secrets change on disk within a minute of the Secret; a few
	// seconds more do not matter, and reading two small files is cheap.
	FileReloadInterval = 5 * time.Second
	// SecretRefreshInterval is how often the TLS Secret is read again once
	// a certificate is loaded. The serving certificate is renewed
	// certs.RenewBefore (weeks) before it expires, so a minute of lag is
	// harmless and costs the API server one GET a minute.
	SecretRefreshInterval = time.Minute
	// firstLoadRetryInterval is how often a source that has no certificate
	// yet tries again: until then the webhook is not ready.
	firstLoadRetryInterval = time.Second
)

// errNoCertificate is the handshake error before any certificate loaded.
var errNoCertificate = errors.New("no serving certificate loaded yet")

// CertSource holds the serving certificate and keeps it current: it loads
// it again periodically and swaps it in when it changed, so the server
// never restarts for a new certificate. It is safe for concurrent use.
type CertSource struct {
	name     string
	load     func(ctx context.Context) (tls.Certificate, error)
	interval time.Duration
	current  atomic.Pointer[tls.Certificate]
	metrics  *Metrics
	log      *zap.Logger
}

// NewFileCertSource returns a source that reads a PEM certificate chain
// and key from files, every FileReloadInterval.
func NewFileCertSource(certFile, keyFile string, metrics *Metrics, log *zap.Logger) *CertSource {
	load := func(context.Context) (tls.Certificate, error) {
		return tls.LoadX509KeyPair(certFile, keyFile)
	}
	return newCertSource("file "+certFile, load, FileReloadInterval, metrics, log)
}

// NewSecretCertSource returns a source that reads the self-managed TLS
// Secret (certs.SecretName) in namespace, every SecretRefreshInterval. When
// the serving certificate it read expires within certs.RenewBefore, it
// renews it in the Secret from the Secret's CA (certs.RenewServing, with the
// DNS names of service) and serves the new one. It never creates the Secret
// nor a CA: a missing Secret, or one without ca.key, is logged and left as
// it is for apply to deal with.
func NewSecretCertSource(client kubernetes.Interface, namespace, service string, metrics *Metrics,
	log *zap.Logger) *CertSource {
	if log == nil {
		log = zap.NewNop()
	}
	l := &secretLoader{client: client, namespace: namespace, service: service, log: log, now: time.Now}
	return newCertSource("Secret "+namespace+"/"+certs.SecretName, l.load, SecretRefreshInterval, metrics, log)
}

func newCertSource(name string, load func(context.Context) (tls.Certificate, error), interval time.Duration,
	metrics *Metrics, log *zap.Logger) *CertSource {
	if log == nil {
		log = zap.NewNop()
	}
	return &CertSource{name: name, load: load, interval: interval, metrics: metrics, log: log}
}

// Ready reports whether a certificate is loaded.
func (s *CertSource) Ready() bool { return s.current.Load() != nil }

// GetCertificate returns the current certificate, for tls.Config.
func (s *CertSource) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	cert := s.current.Load()
	if cert == nil {
		return nil, errNoCertificate
	}
	return cert, nil
}

// Run loads the certificate, then again at the source's interval (every
// firstLoadRetryInterval until one loaded), until ctx ends. A failed load
// keeps the certificate in use.
func (s *CertSource) Run(ctx context.Context) {
	for {
		s.refresh(ctx)
		wait := s.interval
		if !s.Ready() {
			wait = firstLoadRetryInterval
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// refresh loads the certificate once and swaps it in when it changed.
func (s *CertSource) refresh(ctx context.Context) {
	cert, err := s.load(ctx)
	if err != nil {
		s.log.Warn("serving certificate not loaded", zap.String("source", s.name), zap.Bool("serving", s.Ready()), zap.Error(err))
		return
	}
	leaf, err := leafOf(&cert)
	if err != nil {
		s.log.Warn("serving certificate not loaded", zap.String("source", s.name), zap.Bool("serving", s.Ready()), zap.Error(err))
		return
	}
	if s.metrics != nil {
		s.metrics.setCertificateExpiry(leaf.NotAfter, time.Now())
	}
	old := s.current.Load()
	if old != nil && bytes.Equal(old.Certificate[0], cert.Certificate[0]) {
		return
	}
	s.current.Store(&cert)
	s.log.Info("serving certificate loaded", zap.String("source", s.name),
		zap.Strings("dnsNames", leaf.DNSNames), zap.Time("notAfter", leaf.NotAfter))
}

// leafOf returns the parsed first certificate of the chain.
func leafOf(cert *tls.Certificate) (*x509.Certificate, error) {
	if len(cert.Certificate) == 0 {
		return nil, errors.New("empty certificate chain")
	}
	if cert.Leaf != nil {
		return cert.Leaf, nil
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("parse serving certificate: %w", err)
	}
	cert.Leaf = leaf
	return leaf, nil
}

// secretLoader reads the serving certificate from the TLS Secret and renews
// it there when it is about to expire.
type secretLoader struct {
	client    kubernetes.Interface
	namespace string
	service   string
	log       *zap.Logger
	now       func() time.Time
}

// load returns the Secret's serving certificate, renewed first when it
// expires within certs.RenewBefore. A failed renewal is logged and the
// certificate read is returned: it may still serve for days, and the next
// refresh tries again.
func (l *secretLoader) load(ctx context.Context) (tls.Certificate, error) {
	pair, err := l.read(ctx)
	if err != nil {
		return pair, err
	}
	if pair.Leaf.NotAfter.Sub(l.now()) >= certs.RenewBefore {
		return pair, nil
	}

	renewed, err := certs.RenewServing(ctx, l.client, l.namespace, l.service, nil, l.log, l.now)
	if err != nil {
		l.log.Warn("serving certificate not renewed", zap.String("secret", certs.SecretName),
			zap.String("namespace", l.namespace), zap.Time("notAfter", pair.Leaf.NotAfter), zap.Error(err))
		return pair, nil
	}
	if !renewed {
		return pair, nil
	}
	return l.read(ctx)
}

// read gets the Secret and parses its serving key pair, Leaf set.
func (l *secretLoader) read(ctx context.Context) (tls.Certificate, error) {
	secret, err := l.client.CoreV1().Secrets(l.namespace).Get(ctx, certs.SecretName, metav1.GetOptions{})
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("get Secret %s/%s: %w", l.namespace, certs.SecretName, err)
	}
	return certs.ParseSecret(secret)
}
