package certs

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	certutil "k8s.io/client-go/util/cert"
	"k8s.io/client-go/util/keyutil"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/certs"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// serviceName is the webhook Service name apply and the webhook default to;
// the serving certificates the tests issue cover its names.
const serviceName = "osm-bootstrap"

// issued is a certificate the test made and its key.
type issued struct {
	cert *x509.Certificate
	key  crypto.Signer
}

func (i issued) certPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: i.cert.Raw})
}

func (i issued) keyPEM(t *testing.T) []byte {
	t.Helper()
	out, err := keyutil.MarshalPrivateKeyToPEM(i.key)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// issue signs a certificate from template with parent (self-signed when
// parent is nil).
func issue(t *testing.T, template *x509.Certificate, parent *issued) issued {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatal(err)
	}
	template.SerialNumber = serial
	signer, signerCert := crypto.Signer(key), template
	if parent != nil {
		signer, signerCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, template, signerCert, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return issued{cert: cert, key: key}
}

// newCA issues a CA valid from notBefore to notAfter.
func newCA(t *testing.T, name string, notBefore, notAfter time.Time) issued {
	t.Helper()
	return issue(t, &x509.Certificate{
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}, nil)
}

// newServing issues from ca a serving certificate for the webhook's names
// and loopback, valid until notAfter.
func newServing(t *testing.T, ca issued, notAfter time.Time) issued {
	t.Helper()
	return issue(t, &x509.Certificate{
		Subject:     pkix.Name{CommonName: serviceName},
		DNSNames:    append(certs.DNSNames(serviceName, framework.Namespace), "localhost"),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:   time.Now().Add(-time.Hour),
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, &ca)
}

// seedSecret creates the webhook TLS Secret holding ca and serving, as
// apply would have written it long ago.
func seedSecret(ctx context.Context, t *testing.T, ca, serving issued) {
	t.Helper()
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: certs.SecretName, Namespace: framework.Namespace},
		Type:       corev1.SecretTypeTLS,
		Data: map[string][]byte{
			certs.TLSCertKey: serving.certPEM(),
			certs.TLSKeyKey:  serving.keyPEM(t),
			certs.CACertKey:  ca.certPEM(),
			certs.CAKeyKey:   ca.keyPEM(t),
		},
	}
	if _, err := secrets().Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func secrets() interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (*corev1.Secret, error)
	Create(ctx context.Context, s *corev1.Secret, opts metav1.CreateOptions) (*corev1.Secret, error)
	Update(ctx context.Context, s *corev1.Secret, opts metav1.UpdateOptions) (*corev1.Secret, error)
} {
	return kubernetes.NewForConfigOrDie(cp.Config).CoreV1().Secrets(framework.Namespace)
}

func getSecret(ctx context.Context, t *testing.T) *corev1.Secret {
	t.Helper()
	secret, err := secrets().Get(ctx, certs.SecretName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// updateSecret applies edit to the Secret and writes it.
func updateSecret(ctx context.Context, t *testing.T, edit func(*corev1.Secret)) {
	t.Helper()
	secret := getSecret(ctx, t)
	edit(secret)
	if _, err := secrets().Update(ctx, secret, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// servingOf parses the Secret's serving certificate.
func servingOf(t *testing.T, secret *corev1.Secret) *x509.Certificate {
	t.Helper()
	pair, err := certs.ParseSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	return pair.Leaf
}

// parseBundle parses the certificates of a PEM bundle.
func parseBundle(t *testing.T, what string, bundle []byte) []*x509.Certificate {
	t.Helper()
	cas, err := certutil.ParseCertsPEM(bundle)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return cas
}

// sameCAs tells whether got holds exactly the certificates of want, in any order.
func sameCAs(got []*x509.Certificate, want ...*x509.Certificate) bool {
	if len(got) != len(want) {
		return false
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g.Equal(w)
		}
		if !found {
			return false
		}
	}
	return true
}

// names lists the CommonNames of cas, for messages.
func names(cas []*x509.Certificate) []string {
	var out []string
	for _, ca := range cas {
		out = append(out, ca.Subject.CommonName)
	}
	return out
}
