package certs

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// rotationPoint is when a CA issued at t0 reaches RotationFraction of its
// life (its NotBefore is backdated).
var rotationPoint = t0.Add(-backdate).Add(time.Duration(float64(CALifetime+backdate) * RotationFraction))

// Moments around the rotation point: the serving certificate of agedSecret
// is valid at all of them.
var (
	beforeRotation = rotationPoint.Add(-time.Hour)
	rotationAt     = rotationPoint.Add(time.Hour)
)

// agedSecret returns a Secret whose CA was issued at t0 and whose serving
// certificate was renewed a day before the rotation point.
func agedSecret(t *testing.T) *corev1.Secret {
	t.Helper()
	client := fake.NewClientset(issuedSecret(t, t0))
	if _, err := ensure(t, client, nil, rotationPoint.Add(-24*time.Hour)); err != nil {
		t.Fatalf("EnsureSecret: %v", err)
	}
	return getSecret(t, client)
}

// certsOf parses the certificates of a PEM bundle.
func certsOf(t *testing.T, bundle []byte) []*x509.Certificate {
	t.Helper()
	cas, err := parseCAs(CACertKey, bundle)
	if err != nil {
		t.Fatalf("parse bundle: %v", err)
	}
	return cas
}

// signerOf returns the CA the Secret's serving certificate chains to.
func servingIssuer(t *testing.T, secret *corev1.Secret) string {
	t.Helper()
	pair, err := ParseSecret(secret)
	if err != nil {
		t.Fatalf("ParseSecret: %v", err)
	}
	return pair.Leaf.Issuer.CommonName
}

// promoteNow runs PromoteNextCA without its settle delay.
func promoteNow(client *fake.Clientset, at time.Time, trusted TrustCheck) (bool, error) {
	e := newEnsurer(client, testNamespace, testService, nil, nil, clock(at))
	e.settle = 0
	return e.promoteNextCA(context.Background(), trusted)
}

// allTrusting is a TrustCheck of a cluster whose CRDs trust every CA.
func allTrusting(context.Context, *x509.Certificate) ([]string, error) { return nil, nil }

func TestRotationStartsPastTwoThirds(t *testing.T) {
	cases := []struct {
		name      string
		at        time.Time
		wantPhase string
		wantCAs   int
	}{
		{name: "just before two thirds", at: beforeRotation, wantPhase: PhaseNone, wantCAs: 1},
		{name: "just after two thirds", at: rotationAt, wantPhase: PhaseTrusting, wantCAs: 2},
		{name: "CA within its renewal window", at: t0.Add(CALifetime - RenewBefore + time.Hour),
			wantPhase: PhaseTrusting, wantCAs: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := agedSecret(t)
			client := fake.NewClientset(old)
			caPEM, err := ensure(t, client, nil, tc.at)
			if err != nil {
				t.Fatalf("EnsureSecret: %v", err)
			}
			secret := getSecret(t, client)
			if got := phaseOf(secret); got != tc.wantPhase {
				t.Errorf("phase = %q, want %q", got, tc.wantPhase)
			}
			if !bytes.Equal(caPEM, secret.Data[CACertKey]) {
				t.Errorf("returned CA bundle differs from %s", CACertKey)
			}
			cas := certsOf(t, caPEM)
			if len(cas) != tc.wantCAs {
				t.Fatalf("%d CAs in the bundle, want %d", len(cas), tc.wantCAs)
			}
			if !bytes.Equal(encodeCert(cas[0].Raw), old.Data[CACertKey]) {
				t.Errorf("the old CA is not first in the bundle")
			}
			if !bytes.Equal(secret.Data[CAKeyKey], old.Data[CAKeyKey]) {
				t.Errorf("%s changed: the old CA must keep signing until the CRDs trust the new one", CAKeyKey)
			}
			if tc.wantCAs == 2 && !bytes.Equal(encodeCert(cas[1].Raw), secret.Data[NextCACertKey]) {
				t.Errorf("the second CA of the bundle is not %s", NextCACertKey)
			}
			checkChains(t, secret, caPEM, tc.at)
		})
	}
}

// TestRotationSteps walks a rotation through its three steps and checks
// that each step, run again, writes nothing more.
func TestRotationSteps(t *testing.T) {
	old := agedSecret(t)
	client := fake.NewClientset(old)
	oldCA := certsOf(t, old.Data[CACertKey])[0]

	if _, err := ensure(t, client, nil, rotationAt); err != nil {
		t.Fatalf("step 1: %v", err)
	}
	trusting := getSecret(t, client)
	newCA := certsOf(t, trusting.Data[NextCACertKey])[0]
	expectWrites(t, client, "step 1 again", 0, func() error { _, err := ensure(t, client, nil, rotationAt); return err })

	expectWrites(t, client, "promote while a CRD lacks the new CA", 0, func() error {
		ok, err := promoteNow(client, rotationAt, func(context.Context, *x509.Certificate) ([]string, error) {
			return []string{"meshconfigs.config.openservicemesh.io"}, nil
		})
		if ok {
			t.Error("promoted although a CRD does not trust the new CA")
		}
		return err
	})
	expectWrites(t, client, "promote", 1, func() error {
		ok, err := promoteNow(client, rotationAt, allTrusting)
		if !ok && err == nil {
			t.Error("not promoted although every CRD trusts the new CA")
		}
		return err
	})
	signing := getSecret(t, client)
	checkSigning(t, trusting, signing, oldCA, newCA)
	expectWrites(t, client, "promote again", 0, func() error {
		_, err := promoteNow(client, rotationAt, allTrusting)
		return err
	})

	justBefore := rotationAt.Add(ServingSwitchGrace - time.Second)
	expectWrites(t, client, "step 3 within the grace", 0, func() error {
		_, err := ensure(t, client, nil, justBefore)
		return err
	})
	if got := len(certsOf(t, getSecret(t, client).Data[CACertKey])); got != 2 {
		t.Errorf("%d CAs in %s within the grace, want both", got, CACertKey)
	}

	after := rotationAt.Add(ServingSwitchGrace)
	caPEM, err := ensure(t, client, nil, after)
	if err != nil {
		t.Fatalf("step 3: %v", err)
	}
	checkFinished(t, getSecret(t, client), caPEM, newCA, after)
	expectWrites(t, client, "step 3 again", 0, func() error { _, err := ensure(t, client, nil, after); return err })
}

// expectWrites runs fn and checks that it succeeds with writes updates.
func expectWrites(t *testing.T, client *fake.Clientset, what string, writes int, fn func() error) {
	t.Helper()
	client.ClearActions()
	if err := fn(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	got := 0
	for _, verb := range verbs(client) {
		if verb != "get" {
			got++
		}
	}
	if got != writes {
		t.Errorf("%s: requests %v, want %d writes", what, verbs(client), writes)
	}
}

// checkSigning checks the Secret after step 2.
func checkSigning(t *testing.T, trusting, signing *corev1.Secret, oldCA, newCA *x509.Certificate) {
	t.Helper()
	if phaseOf(signing) != PhaseSigning {
		t.Errorf("phase = %q, want %q", phaseOf(signing), PhaseSigning)
	}
	if !bytes.Equal(signing.Data[CAKeyKey], trusting.Data[NextCAKeyKey]) {
		t.Errorf("%s is not the former %s", CAKeyKey, NextCAKeyKey)
	}
	for _, key := range []string{NextCACertKey, NextCAKeyKey} {
		if _, ok := signing.Data[key]; ok {
			t.Errorf("%s still present after the switch", key)
		}
	}
	if got := servingIssuer(t, signing); got != newCA.Subject.CommonName {
		t.Errorf("serving certificate issued by %s, want the new CA %s", got, newCA.Subject.CommonName)
	}
	cas := certsOf(t, signing.Data[CACertKey])
	if len(cas) != 2 || !cas[0].Equal(oldCA) || !cas[1].Equal(newCA) {
		t.Errorf("%s after the switch does not hold the old and the new CA", CACertKey)
	}
	if _, err := time.Parse(time.RFC3339, signing.Annotations[SwitchedAtAnnotation]); err != nil {
		t.Errorf("%s: %v", SwitchedAtAnnotation, err)
	}
}

// checkFinished checks the Secret after step 3.
func checkFinished(t *testing.T, secret *corev1.Secret, caPEM []byte, newCA *x509.Certificate, at time.Time) {
	t.Helper()
	cas := certsOf(t, caPEM)
	if len(cas) != 1 || !cas[0].Equal(newCA) {
		t.Errorf("bundle after the rotation holds %d CAs, want the new one alone", len(cas))
	}
	if !bytes.Equal(caPEM, secret.Data[CACertKey]) {
		t.Errorf("returned CA bundle differs from %s", CACertKey)
	}
	for _, key := range []string{RotationPhaseAnnotation, SwitchedAtAnnotation} {
		if _, ok := secret.Annotations[key]; ok {
			t.Errorf("annotation %s left after the rotation", key)
		}
	}
	checkChains(t, secret, caPEM, at)
}

// TestRotationRepairs feeds the rotation Secrets that a crash, an operator
// or an older binary left in an unexpected state.
func TestRotationRepairs(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(trusting, signing *corev1.Secret) *corev1.Secret
		check func(t *testing.T, before, after *corev1.Secret, err error)
	}{
		{
			name: "next CA key lost: a new next CA is issued",
			edit: func(trusting, _ *corev1.Secret) *corev1.Secret {
				delete(trusting.Data, NextCAKeyKey)
				return trusting
			},
			check: func(t *testing.T, before, after *corev1.Secret, err error) {
				noError(t, err)
				if len(after.Data[NextCAKeyKey]) == 0 || bytes.Equal(after.Data[NextCACertKey], before.Data[NextCACertKey]) {
					t.Errorf("no new next CA issued")
				}
				if !BundleContains(after.Data[CACertKey], certsOf(t, after.Data[NextCACertKey])[0]) {
					t.Errorf("the new next CA is not in %s", CACertKey)
				}
			},
		},
		{
			name: "next CA missing from ca.crt: added back",
			edit: func(trusting, _ *corev1.Secret) *corev1.Secret {
				trusting.Data[CACertKey] = certPEMOf(certsOf(t, trusting.Data[CACertKey])[0])
				return trusting
			},
			check: func(t *testing.T, before, after *corev1.Secret, err error) {
				noError(t, err)
				if got := len(certsOf(t, after.Data[CACertKey])); got != 2 {
					t.Errorf("%d CAs in %s, want the old and the next", got, CACertKey)
				}
			},
		},
		{
			name: "serving certificate of the old CA while signing: switched again",
			edit: func(trusting, signing *corev1.Secret) *corev1.Secret {
				signing.Data[TLSCertKey] = trusting.Data[TLSCertKey]
				signing.Data[TLSKeyKey] = trusting.Data[TLSKeyKey]
				signing.Annotations[SwitchedAtAnnotation] = rotationAt.Add(-time.Hour).Format(time.RFC3339)
				return signing
			},
			check: func(t *testing.T, before, after *corev1.Secret, err error) {
				noError(t, err)
				if servingIssuer(t, after) == servingIssuer(t, before) {
					t.Errorf("serving certificate still from %s", servingIssuer(t, before))
				}
				if len(certsOf(t, after.Data[CACertKey])) != 2 {
					t.Errorf("old CA left %s although a certificate of it was served", CACertKey)
				}
				if after.Annotations[SwitchedAtAnnotation] != rotationAt.Add(ServingSwitchGrace).UTC().Format(time.RFC3339) {
					t.Errorf("grace not started over: %s = %s", SwitchedAtAnnotation, after.Annotations[SwitchedAtAnnotation])
				}
			},
		},
		{
			name: "switch time missing: the grace starts over",
			edit: func(_, signing *corev1.Secret) *corev1.Secret {
				delete(signing.Annotations, SwitchedAtAnnotation)
				return signing
			},
			check: func(t *testing.T, before, after *corev1.Secret, err error) {
				noError(t, err)
				if len(certsOf(t, after.Data[CACertKey])) != 2 || after.Annotations[SwitchedAtAnnotation] == "" {
					t.Errorf("rotation finished without a known switch time")
				}
			},
		},
		{
			name: "unknown phase: refused",
			edit: func(trusting, _ *corev1.Secret) *corev1.Secret {
				trusting.Annotations[RotationPhaseAnnotation] = "halfway"
				return trusting
			},
			check: func(t *testing.T, before, after *corev1.Secret, err error) {
				if !errors.Is(err, ErrCAUnusable) || !strings.Contains(err.Error(), `"halfway"`) {
					t.Errorf("err = %v, want ErrCAUnusable naming the phase", err)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			trusting, signing := rotationSecrets(t)
			before := tc.edit(trusting, signing)
			client := fake.NewClientset(before.DeepCopy())
			_, err := ensure(t, client, nil, rotationAt.Add(ServingSwitchGrace))
			tc.check(t, before, getSecret(t, client), err)
		})
	}
}

// rotationSecrets returns the Secret after step 1 and after step 2, both
// taken at rotationAt.
func rotationSecrets(t *testing.T) (trusting, signing *corev1.Secret) {
	t.Helper()
	client := fake.NewClientset(agedSecret(t))
	if _, err := ensure(t, client, nil, rotationAt); err != nil {
		t.Fatalf("step 1: %v", err)
	}
	trusting = getSecret(t, client)
	if _, err := promoteNow(client, rotationAt, allTrusting); err != nil {
		t.Fatalf("step 2: %v", err)
	}
	return trusting, getSecret(t, client)
}

func certPEMOf(cert *x509.Certificate) []byte { return encodeCert(cert.Raw) }

func noError(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("EnsureSecret: %v", err)
	}
}
