// Package certs manages the TLS material of the conversion webhook: the
// self-managed Secret holding a CA and a serving certificate, and CA bundles
// read from files.
package certs

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	certutil "k8s.io/client-go/util/cert"
	"k8s.io/client-go/util/keyutil"
)

// SecretName is the name of the self-managed webhook TLS Secret, in the
// control plane namespace.
const SecretName = "osm-bootstrap-webhook-tls"

// The keys of the Secret's data. TLSCertKey and TLSKeyKey are those of every
// kubernetes.io/tls Secret.
const (
	// TLSCertKey holds the serving certificate, PEM.
	TLSCertKey = corev1.TLSCertKey
	// TLSKeyKey holds the serving certificate's private key, PEM.
	TLSKeyKey = corev1.TLSPrivateKeyKey
	// CACertKey holds the CA certificates the CRDs' caBundle carries, PEM:
	// the signing CA, and during a rotation the other CA as well.
	CACertKey = "ca.crt"
	// CAKeyKey holds the CA's private key, PEM. Renewing the serving
	// certificate with the same CA needs it; a Secret without it (one made
	// by cert-manager, say) is used as it is but never renewed.
	CAKeyKey = "ca.key"
	// NextCACertKey holds, while a CA rotation is in PhaseTrusting, the new
	// CA that ca.crt already carries but that signs nothing yet.
	NextCACertKey = "next-ca.crt"
	// NextCAKeyKey holds the private key of NextCACertKey, PEM; it becomes
	// ca.key when the rotation moves to PhaseSigning.
	NextCAKeyKey = "next-ca.key"
)

// secretLabels mark the Secret as this project's.
var secretLabels = map[string]string{
	"app.kubernetes.io/name":      "openservicemesh.io",
	"app.kubernetes.io/component": "conversion-webhook",
}

// ErrCAUnusable is wrapped when the Secret's CA cannot go on being used: it
// does not parse, is not a CA, has no key to renew with, or expires within
// RenewBefore. Deleting the Secret and running apply again issues a new one.
var ErrCAUnusable = errors.New("webhook CA unusable")

// DNSNames returns the names a serving certificate for the webhook Service
// must cover, the fully qualified one first.
func DNSNames(service, namespace string) []string {
	return []string{
		service + "." + namespace + ".svc",
		service + "." + namespace + ".svc.cluster.local",
		service + "." + namespace,
		service,
	}
}

// ParseSecret returns the serving key pair of a webhook TLS Secret (tls.crt
// and tls.key) with Leaf set; Leaf.NotAfter is when it expires. It checks that
// the key matches the certificate, nothing else. Errors name the key at
// fault, not the Secret.
func ParseSecret(secret *corev1.Secret) (tls.Certificate, error) {
	certPEM, keyPEM := secret.Data[TLSCertKey], secret.Data[TLSKeyKey]
	if len(certPEM) == 0 {
		return tls.Certificate{}, fmt.Errorf("no %s", TLSCertKey)
	}
	if len(keyPEM) == 0 {
		return tls.Certificate{}, fmt.Errorf("no %s", TLSKeyKey)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("parse %s and %s: %w", TLSCertKey, TLSKeyKey, err)
	}
	if pair.Leaf == nil {
		if pair.Leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return tls.Certificate{}, fmt.Errorf("parse %s: %w", TLSCertKey, err)
		}
	}
	return pair, nil
}

// Verify checks that the Secret's serving certificate is fit to serve at time
// at: ParseSecret accepts it, a CA in ca.crt signed it for server auth, it
// covers every name in dnsNames (see DNSNames), and it does not expire within
// RenewBefore. It returns the key pair; any error means "renew it".
func Verify(secret *corev1.Secret, dnsNames []string, at time.Time) (tls.Certificate, error) {
	pair, err := ParseSecret(secret)
	if err != nil {
		return pair, err
	}
	roots, err := parseCAs(CACertKey, secret.Data[CACertKey])
	if err != nil {
		return pair, err
	}
	pool := x509.NewCertPool()
	for _, ca := range roots {
		pool.AddCert(ca)
	}

	leaf := pair.Leaf
	opts := x509.VerifyOptions{
		Roots:       pool,
		CurrentTime: at,
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if _, err := leaf.Verify(opts); err != nil {
		return pair, fmt.Errorf("verify %s against %s: %w", TLSCertKey, CACertKey, err)
	}
	for _, name := range dnsNames {
		if err := leaf.VerifyHostname(name); err != nil {
			return pair, fmt.Errorf("%s does not cover %s: %w", TLSCertKey, name, err)
		}
	}
	if left := leaf.NotAfter.Sub(at); left < RenewBefore {
		return pair, fmt.Errorf("%s expires at %s, within the renewal window of %s",
			TLSCertKey, leaf.NotAfter.UTC().Format(time.RFC3339), RenewBefore)
	}
	return pair, nil
}

// parseCAs parses the certificates of caPEM, found under key.
func parseCAs(key string, caPEM []byte) ([]*x509.Certificate, error) {
	if len(caPEM) == 0 {
		return nil, fmt.Errorf("no %s", key)
	}
	cas, err := certutil.ParseCertsPEM(caPEM)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", key, err)
	}
	return cas, nil
}

// parseAuthority reads the signing CA of the Secret's data: the certificate
// of ca.crt that matches ca.key, or the first one when there is no ca.key;
// its key is then nil. certPEM is all of ca.crt. It checks that the CA is a
// CA, not when it expires (see checkExpiry). Every error wraps ErrCAUnusable.
func parseAuthority(data map[string][]byte) (*authority, error) {
	a, err := parsePair(data, CACertKey, CAKeyKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCAUnusable, err)
	}
	return a, nil
}

// parsePair reads a CA from the certificates under certKey and the optional
// key under keyKey, as parseAuthority describes.
func parsePair(data map[string][]byte, certKey, keyKey string) (*authority, error) {
	cas, err := parseCAs(certKey, data[certKey])
	if err != nil {
		return nil, err
	}
	a := &authority{cert: cas[0], certPEM: data[certKey]}
	if keyPEM := data[keyKey]; len(keyPEM) > 0 {
		if a.cert, a.key, err = matchKey(cas, keyKey, certKey, keyPEM); err != nil {
			return nil, err
		}
	}
	if !a.cert.IsCA || a.cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, fmt.Errorf("%s is not a CA certificate (%s)", certKey, a.cert.Subject.CommonName)
	}
	return a, nil
}

// matchKey parses the key under keyKey and finds the certificate of cas,
// read from certKey, that it belongs to.
func matchKey(cas []*x509.Certificate, keyKey, certKey string,
	keyPEM []byte) (*x509.Certificate, crypto.Signer, error) {
	parsed, err := keyutil.ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s: %w", keyKey, err)
	}
	key, ok := parsed.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("%s is a %T, not a signing key", keyKey, parsed)
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	public, ok := key.Public().(equaler)
	if !ok {
		return nil, nil, fmt.Errorf("%s holds a key of unsupported type %T", keyKey, key)
	}
	for _, ca := range cas {
		if public.Equal(ca.PublicKey) {
			return ca, key, nil
		}
	}
	return nil, nil, fmt.Errorf("%s matches no certificate of %s", keyKey, certKey)
}

// checkExpiry tells whether ca stays valid beyond the renewal window at
// time at; the error wraps ErrCAUnusable. A CA with a key never gets there
// while apply runs: it is rotated once past RotationFraction of its life.
func checkExpiry(ca *x509.Certificate, at time.Time) error {
	if left := ca.NotAfter.Sub(at); left < RenewBefore {
		return fmt.Errorf("%w: CA %s expires at %s, within the renewal window of %s", ErrCAUnusable,
			ca.Subject.CommonName, ca.NotAfter.UTC().Format(time.RFC3339), RenewBefore)
	}
	return nil
}

// newSecret builds the webhook TLS Secret holding a and serving.
func newSecret(namespace string, a *authority, serving *servingPair) (*corev1.Secret, error) {
	caKey, err := a.keyPEM()
	if err != nil {
		return nil, err
	}
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: SecretName, Namespace: namespace, Labels: secretLabels},
		Type:       corev1.SecretTypeTLS,
		Data: map[string][]byte{
			TLSCertKey: serving.certPEM,
			TLSKeyKey:  serving.keyPEM,
			CACertKey:  a.certPEM,
			CAKeyKey:   caKey,
		},
	}, nil
}
