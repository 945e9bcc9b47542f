package certs

import (
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes/fake"
)

func TestPromoteNextCA(t *testing.T) {
	errList := errors.New("list CRDs: forbidden")
	cases := []struct {
		name string
		// answers are what the TrustCheck returns, call by call.
		answers      [][]string
		checkErr     error
		noSecret     bool
		wantPromoted bool
		wantErr      func(error) bool
	}{
		{name: "every CRD trusts, twice", answers: [][]string{nil, nil}, wantPromoted: true},
		{name: "a CRD lacks the new CA", answers: [][]string{{"a.example.io"}}},
		{name: "a CRD lost it during the settle delay", answers: [][]string{nil, {"a.example.io"}}},
		{name: "the check fails", checkErr: errList, wantErr: func(err error) bool { return errors.Is(err, errList) }},
		{name: "no secret", noSecret: true, wantErr: apierrors.IsNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			client := fake.NewClientset()
			if !tc.noSecret {
				trusting, _ := rotationSecrets(t)
				client = fake.NewClientset(trusting)
			}
			calls := 0
			check := func(context.Context, *x509.Certificate) ([]string, error) {
				if tc.checkErr != nil {
					return nil, tc.checkErr
				}
				calls++
				if calls > len(tc.answers) {
					t.Fatalf("TrustCheck called %d times, want at most %d", calls, len(tc.answers))
				}
				return tc.answers[calls-1], nil
			}
			promoted, err := promoteNow(client, rotationAt, check)
			if tc.wantErr != nil {
				if err == nil || !tc.wantErr(err) {
					t.Fatalf("err = %v, want one of the expected kind", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("PromoteNextCA: %v", err)
			}
			if promoted != tc.wantPromoted {
				t.Errorf("promoted = %v, want %v", promoted, tc.wantPromoted)
			}
			if tc.noSecret {
				return
			}
			want := PhaseTrusting
			if tc.wantPromoted {
				want = PhaseSigning
			}
			if got := phaseOf(getSecret(t, client)); got != want {
				t.Errorf("phase = %q, want %q", got, want)
			}
		})
	}
}

func TestPromoteNextCAOutsideTrusting(t *testing.T) {
	client := fake.NewClientset(agedSecret(t))
	promoted, err := promoteNow(client, rotationAt, func(context.Context, *x509.Certificate) ([]string, error) {
		t.Fatal("TrustCheck called without a rotation under way")
		return nil, nil
	})
	if err != nil || promoted {
		t.Fatalf("promoted = %v, err = %v; want false, nil", promoted, err)
	}
	if got := strings.Join(verbs(client), ","); got != "get" {
		t.Errorf("requests = %s, want get", got)
	}
}

func TestPromoteNextCAWaitsTheSettleDelay(t *testing.T) {
	trusting, _ := rotationSecrets(t)
	e := newEnsurer(fake.NewClientset(trusting), testNamespace, testService, nil, nil, clock(rotationAt))
	e.settle = 50 * time.Millisecond
	var looks []time.Time
	check := func(context.Context, *x509.Certificate) ([]string, error) {
		looks = append(looks, time.Now())
		return nil, nil
	}
	if _, err := e.promoteNextCA(context.Background(), check); err != nil {
		t.Fatal(err)
	}
	if len(looks) != 2 || looks[1].Sub(looks[0]) < e.settle {
		t.Errorf("looks at %v, want two, %s apart", looks, e.settle)
	}
}

// TestRenewServingDuringRotation checks that the webhook's renewal signs
// with the old CA until the switch and with the new one after it.
func TestRenewServingDuringRotation(t *testing.T) {
	trusting, signing := rotationSecrets(t)
	oldCA := certsOf(t, trusting.Data[CACertKey])[0].Subject.CommonName
	newCA := certsOf(t, trusting.Data[NextCACertKey])[0].Subject.CommonName
	// The serving certificate of both Secrets expires within a year of rotationAt.
	expiring := rotationAt.Add(ServingLifetime - RenewBefore + time.Hour)
	cases := []struct {
		phase      string
		existing   *corev1.Secret
		wantIssuer string
	}{
		{phase: PhaseTrusting, existing: trusting, wantIssuer: oldCA},
		{phase: PhaseSigning, existing: signing, wantIssuer: newCA},
	}
	for _, tc := range cases {
		t.Run(tc.phase, func(t *testing.T) {
			client := fake.NewClientset(tc.existing.DeepCopy())
			renewed, err := renewServing(client, expiring)
			if err != nil || !renewed {
				t.Fatalf("renewed = %v, err = %v; want a renewal", renewed, err)
			}
			after := getSecret(t, client)
			if got := servingIssuer(t, after); got != tc.wantIssuer {
				t.Errorf("renewed by %s, want %s", got, tc.wantIssuer)
			}
			if phaseOf(after) != tc.phase {
				t.Errorf("phase changed to %q by a renewal", phaseOf(after))
			}
			checkChains(t, after, after.Data[CACertKey], expiring)
		})
	}
}

func TestBundleContains(t *testing.T) {
	a, b := issuedSecret(t, t0), issuedSecret(t, t0)
	caA := certsOf(t, a.Data[CACertKey])[0]
	cases := []struct {
		name   string
		bundle []byte
		want   bool
	}{
		{name: "alone", bundle: a.Data[CACertKey], want: true},
		{name: "second of two", bundle: joinPEM(b.Data[CACertKey], a.Data[CACertKey]), want: true},
		{name: "after text and a key", bundle: join("# comment\n", b.Data[CAKeyKey], a.Data[CACertKey]), want: true},
		{name: "another CA", bundle: b.Data[CACertKey]},
		{name: "the serving certificate only", bundle: a.Data[TLSCertKey]},
		{name: "empty"},
		{name: "garbage", bundle: []byte("-----BEGIN CERTIFICATE-----\nxx\n")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := BundleContains(tc.bundle, caA); got != tc.want {
				t.Errorf("BundleContains = %v, want %v", got, tc.want)
			}
		})
	}
}
