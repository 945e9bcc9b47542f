package certs

import (
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// outcome is what EnsureSecret is expected to do with a Secret.
type outcome int

const (
	kept outcome = iota
	renewed
	refused
)

// TestEnsureSecretDamaged feeds EnsureSecret Secrets that are broken or
// stale in one way each: a bad serving certificate is renewed from the same
// CA, a bad CA is refused with ErrCAUnusable and nothing is written.
func TestEnsureSecretDamaged(t *testing.T) {
	base := issuedSecret(t, t0)
	other := issuedSecret(t, t0)
	otherService := issuedSecretFor(t, "someone-else", t0)
	cases := []struct {
		name   string
		edit   func(data map[string][]byte)
		at     time.Time
		want   outcome
		errHas string
	}{
		{name: "valid", edit: keep, want: kept},
		{name: "serving certificate expired", edit: keep, at: t0.Add(ServingLifetime + time.Hour), want: renewed},
		{name: "tls.crt garbage", edit: set(TLSCertKey, "not a certificate"), want: renewed},
		{name: "tls.crt missing", edit: unset(TLSCertKey), want: renewed},
		{name: "tls.key missing", edit: unset(TLSKeyKey), want: renewed},
		{name: "tls.key of another certificate", edit: copyKeys(other, TLSKeyKey), want: renewed},
		{name: "serving certificate of another CA", edit: copyKeys(other, TLSCertKey, TLSKeyKey), want: renewed},
		{name: "serving certificate of another Service", edit: copyKeys(otherService, TLSCertKey, TLSKeyKey),
			want: renewed},
		{name: "ca.crt garbage", edit: set(CACertKey, "garbage"), want: refused, errHas: "parse ca.crt"},
		{name: "ca.crt missing", edit: unset(CACertKey), want: refused, errHas: "no ca.crt"},
		{name: "ca.crt not a CA", edit: copyAs(base, TLSCertKey, CACertKey, TLSKeyKey, CAKeyKey),
			want: refused, errHas: "not a CA"},
		{name: "ca.key garbage", edit: set(CAKeyKey, "garbage"), want: refused, errHas: "parse ca.key"},
		{name: "ca.key of another CA", edit: copyKeys(other, CAKeyKey),
			want: refused, errHas: "matches no certificate"},
		{name: "ca.key missing, serving valid", edit: unset(CAKeyKey), want: kept},
		{name: "ca.key missing, serving expired", edit: unset(CAKeyKey), at: t0.Add(ServingLifetime),
			want: refused, errHas: "no ca.key"},
		// With ca.key, an expiring CA is rotated instead (rotation_test.go).
		{name: "CA expiring, no ca.key to rotate with", edit: unset(CAKeyKey),
			at: t0.Add(CALifetime - RenewBefore + time.Hour), want: refused, errHas: "CA osm-bootstrap-webhook-ca-"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			existing := base.DeepCopy()
			tc.edit(existing.Data)
			at := tc.at
			if at.IsZero() {
				at = t0
			}
			client := fake.NewClientset(existing)

			caPEM, err := ensure(t, client, nil, at)
			checkOutcome(t, client, existing, caPEM, err, at, tc.want)
			if tc.errHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errHas)) {
				t.Errorf("err = %v, want it to contain %q", err, tc.errHas)
			}
		})
	}
}

func checkOutcome(t *testing.T, client *fake.Clientset, existing *corev1.Secret, caPEM []byte, err error,
	at time.Time, want outcome) {
	t.Helper()
	requests := strings.Join(verbs(client), ",")
	switch want {
	case kept:
		if err != nil || requests != "get" {
			t.Errorf("err = %v, requests %s; want it kept: no error, only a get", err, requests)
		}
	case renewed:
		if err != nil || requests != "get,update" {
			t.Fatalf("err = %v, requests %s; want it renewed: get,update", err, requests)
		}
		checkRenewed(t, client, existing, caPEM, at)
	case refused:
		if !errors.Is(err, ErrCAUnusable) || requests != "get" {
			t.Errorf("err = %v, requests %s; want ErrCAUnusable after only a get", err, requests)
		}
		if err != nil && !strings.Contains(err.Error(), "delete the Secret and run apply again") {
			t.Errorf("err = %v, want it to say how to recover", err)
		}
	}
}

// issuedSecretFor returns a Secret as EnsureSecret creates it for service.
func issuedSecretFor(t *testing.T, service string, at time.Time) *corev1.Secret {
	t.Helper()
	client := fake.NewClientset()
	if _, err := EnsureSecret(t.Context(), client, testNamespace, service, nil, nil, clock(at)); err != nil {
		t.Fatalf("EnsureSecret: %v", err)
	}
	return getSecret(t, client)
}

// keep leaves the data as issued.
func keep(map[string][]byte) {}

func set(key, value string) func(map[string][]byte) {
	return func(data map[string][]byte) { data[key] = []byte(value) }
}

func unset(key string) func(map[string][]byte) {
	return func(data map[string][]byte) { delete(data, key) }
}

// copyAs copies from's keys into data under other keys: pairs of from, to.
func copyAs(from *corev1.Secret, pairs ...string) func(map[string][]byte) {
	return func(data map[string][]byte) {
		for i := 0; i+1 < len(pairs); i += 2 {
			data[pairs[i+1]] = from.Data[pairs[i]]
		}
	}
}

func copyKeys(from *corev1.Secret, keys ...string) func(map[string][]byte) {
	return func(data map[string][]byte) {
		for _, key := range keys {
			data[key] = from.Data[key]
		}
	}
}
