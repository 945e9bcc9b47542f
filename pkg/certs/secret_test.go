package certs

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func TestDNSNames(t *testing.T) {
	got := DNSNames("osm-bootstrap", "osm-system")
	want := []string{
		"osm-bootstrap.osm-system.svc",
		"osm-bootstrap.osm-system.svc.cluster.local",
		"osm-bootstrap.osm-system",
		"osm-bootstrap",
	}
	if !slices.Equal(got, want) {
		t.Errorf("DNSNames = %q, want %q", got, want)
	}
}

func TestParseSecret(t *testing.T) {
	secret := issuedSecret(t, t0)
	pair, err := ParseSecret(secret)
	if err != nil {
		t.Fatalf("ParseSecret: %v", err)
	}
	if got, want := pair.Leaf.NotAfter, t0.Add(ServingLifetime); !got.Equal(want) {
		t.Errorf("NotAfter = %s, want %s", got, want)
	}
	if pair.PrivateKey == nil || len(pair.Certificate) != 1 {
		t.Errorf("key pair has key %v and %d certificates, want a key and 1", pair.PrivateKey != nil, len(pair.Certificate))
	}
}

func TestParseSecretErrors(t *testing.T) {
	base := issuedSecret(t, t0)
	other := issuedSecret(t, t0)
	cases := []struct {
		name    string
		edit    func(map[string][]byte)
		wantErr string
	}{
		{name: "no tls.crt", edit: unset(TLSCertKey), wantErr: "no tls.crt"},
		{name: "no tls.key", edit: unset(TLSKeyKey), wantErr: "no tls.key"},
		{name: "garbage tls.crt", edit: set(TLSCertKey, "junk"), wantErr: "parse tls.crt and tls.key"},
		{name: "key of another certificate", edit: copyKeys(other, TLSKeyKey), wantErr: "parse tls.crt and tls.key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			secret := base.DeepCopy()
			tc.edit(secret.Data)
			_, err := ParseSecret(secret)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	base := issuedSecret(t, t0)
	other := issuedSecret(t, t0)
	names := DNSNames(testService, testNamespace)
	cases := []struct {
		name    string
		secret  *corev1.Secret
		names   []string
		at      time.Time
		wantErr string
	}{
		{name: "valid", secret: base, names: names, at: t0},
		{name: "valid until the window opens", secret: base, names: names, at: t0.Add(ServingLifetime - RenewBefore)},
		{name: "within the renewal window", secret: base, names: names, at: t0.Add(ServingLifetime - RenewBefore + time.Second),
			wantErr: "within the renewal window"},
		{name: "expired", secret: base, names: names, at: t0.Add(ServingLifetime + time.Second), wantErr: "verify tls.crt against ca.crt"},
		{name: "not yet valid", secret: base, names: names, at: t0.Add(-2 * backdate), wantErr: "verify tls.crt against ca.crt"},
		{name: "another Service", secret: base, names: DNSNames("other", testNamespace), at: t0, wantErr: "does not cover other.osm-system.svc"},
		{name: "another CA", secret: withData(base, CACertKey, other.Data[CACertKey]), names: names, at: t0,
			wantErr: "verify tls.crt against ca.crt"},
		{name: "no ca.crt", secret: withData(base, CACertKey, nil), names: names, at: t0, wantErr: "no ca.crt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pair, err := Verify(tc.secret, tc.names, tc.at)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if pair.Leaf == nil {
					t.Errorf("Verify returned no leaf")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

// withData returns a copy of secret with key set to value, or removed when
// value is nil.
func withData(secret *corev1.Secret, key string, value []byte) *corev1.Secret {
	out := secret.DeepCopy()
	if value == nil {
		delete(out.Data, key)
		return out
	}
	out.Data[key] = value
	return out
}
