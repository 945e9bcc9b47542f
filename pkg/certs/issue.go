package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"time"

	"k8s.io/client-go/util/keyutil"
)

const (
	// CALifetime is how long a new CA is valid. It is long because replacing
	// a CA means changing the caBundle of every CRD.
	CALifetime = 10 * 365 * 24 * time.Hour
	// ServingLifetime is how long a new serving certificate is valid, capped
	// at its CA's expiry.
	ServingLifetime = 365 * 24 * time.Hour
	// RenewBefore is the renewal window: a certificate that expires within it
	// is replaced rather than kept.
	RenewBefore = 30 * 24 * time.Hour

	// backdate moves NotBefore into the past so that a certificate issued a
	// moment ago is already valid for an API server whose clock is behind.
	backdate = time.Hour
	// caNamePrefix starts the CommonName of every CA; a random suffix keeps
	// the CAs of two meshes in one cluster apart.
	caNamePrefix = "osm-bootstrap-webhook-ca-"
	// caNameRandomBytes is the size of that suffix before hex encoding.
	caNameRandomBytes = 8
)

// loopbackName and loopbackIP let a webhook run outside the cluster (apply
// --webhook-url https://127.0.0.1:9443) serve the same certificate.
var (
	loopbackName = "localhost"
	loopbackIP   = net.IPv4(127, 0, 0, 1)
)

// authority is a CA that can sign serving certificates. key is nil when the
// Secret holds no ca.key: such a CA can be trusted but not used to issue.
type authority struct {
	cert *x509.Certificate
	key  crypto.Signer
	// certPEM is the CA certificate as stored in ca.crt.
	certPEM []byte
}

// servingPair is a newly issued serving certificate and its key, PEM encoded.
type servingPair struct {
	certPEM  []byte
	keyPEM   []byte
	notAfter time.Time
}

// newAuthority generates a self-signed CA valid from now for CALifetime.
// namespace goes into the subject so an operator can tell whose CA it is.
func newAuthority(namespace string, now time.Time) (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	suffix := make([]byte, caNameRandomBytes)
	if _, err := rand.Read(suffix); err != nil {
		return nil, fmt.Errorf("generate CA name: %w", err)
	}

	template := &x509.Certificate{
		Subject: pkix.Name{
			CommonName:         caNamePrefix + hex.EncodeToString(suffix),
			OrganizationalUnit: []string{namespace},
		},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(CALifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse new CA certificate: %w", err)
	}
	return &authority{cert: cert, key: key, certPEM: encodeCert(der)}, nil
}

// keyPEM returns the CA's private key, PEM encoded, for ca.key.
func (a *authority) keyPEM() ([]byte, error) {
	keyPEM, err := keyutil.MarshalPrivateKeyToPEM(a.key)
	if err != nil {
		return nil, fmt.Errorf("encode CA key: %w", err)
	}
	return keyPEM, nil
}

// issueServing signs a serving certificate for the names of the webhook
// Service (DNSNames), localhost and 127.0.0.1, valid from now for
// ServingLifetime or until the CA expires, whichever comes first.
func (a *authority) issueServing(service, namespace string, now time.Time) (*servingPair, error) {
	if a.key == nil {
		return nil, errors.New("no CA key to sign with")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate serving key: %w", err)
	}

	notAfter := now.Add(ServingLifetime)
	if a.cert.NotAfter.Before(notAfter) {
		notAfter = a.cert.NotAfter
	}
	template := &x509.Certificate{
		Subject:     pkix.Name{CommonName: service},
		DNSNames:    append(DNSNames(service, namespace), loopbackName),
		IPAddresses: []net.IP{loopbackIP},
		NotBefore:   now.Add(-backdate),
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, a.cert, key.Public(), a.key)
	if err != nil {
		return nil, fmt.Errorf("create serving certificate: %w", err)
	}
	keyPEM, err := keyutil.MarshalPrivateKeyToPEM(key)
	if err != nil {
		return nil, fmt.Errorf("encode serving key: %w", err)
	}
	return &servingPair{certPEM: encodeCert(der), keyPEM: keyPEM, notAfter: notAfter}, nil
}

// encodeCert returns a DER certificate as a PEM CERTIFICATE block.
func encodeCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: certificateBlock, Bytes: der})
}
