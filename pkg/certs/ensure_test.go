package certs

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

const (
	testNamespace = "osm-system"
	testService   = "osm-bootstrap"
)

// t0 is when the test certificates are issued; every test injects its clock.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var secretsResource = schema.GroupResource{Resource: "secrets"}

func clock(at time.Time) func() time.Time {
	return func() time.Time { return at }
}

// ensure runs EnsureSecret for the test Service with a clock fixed at at.
func ensure(t *testing.T, client *fake.Clientset, log *zap.Logger, at time.Time) ([]byte, error) {
	t.Helper()
	return EnsureSecret(context.Background(), client, testNamespace, testService, nil, log, clock(at))
}

// issuedSecret returns a Secret as EnsureSecret creates it at time at.
func issuedSecret(t *testing.T, at time.Time) *corev1.Secret {
	t.Helper()
	client := fake.NewClientset()
	if _, err := ensure(t, client, nil, at); err != nil {
		t.Fatalf("EnsureSecret: %v", err)
	}
	return getSecret(t, client)
}

func getSecret(t *testing.T, client *fake.Clientset) *corev1.Secret {
	t.Helper()
	secret, err := client.CoreV1().Secrets(testNamespace).Get(context.Background(), SecretName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get secret: %v", err)
	}
	return secret
}

// verbs lists the verbs of the requests the fake client received.
func verbs(client *fake.Clientset) []string {
	var out []string
	for _, a := range client.Actions() {
		out = append(out, a.GetVerb())
	}
	return out
}

func TestEnsureSecretCreatesWhenMissing(t *testing.T) {
	client := fake.NewClientset()
	core, logs := observer.New(zap.DebugLevel)
	caPEM, err := ensure(t, client, zap.New(core), t0)
	if err != nil {
		t.Fatalf("EnsureSecret: %v", err)
	}
	secret := getSecret(t, client)

	if secret.Type != corev1.SecretTypeTLS {
		t.Errorf("type = %q, want %q", secret.Type, corev1.SecretTypeTLS)
	}
	for k, v := range secretLabels {
		if secret.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, secret.Labels[k], v)
		}
	}
	if !bytes.Equal(caPEM, secret.Data[CACertKey]) {
		t.Errorf("returned CA differs from the Secret's %s", CACertKey)
	}
	checkServes(t, secret, caPEM, t0)
	checkCA(t, caPEM, t0)

	entries := logs.FilterMessage("webhook TLS secret created").All()
	if len(entries) != 1 {
		t.Fatalf("%d %q log lines, want 1", len(entries), "webhook TLS secret created")
	}
	fields := entries[0].ContextMap()
	for _, key := range []string{"secret", "namespace", "notAfter"} {
		if _, ok := fields[key]; !ok {
			t.Errorf("log line lacks key %q: %v", key, fields)
		}
	}
}

// checkServes checks that the Secret's serving certificate chains to caPEM
// for every name a client may dial, at time at.
func checkServes(t *testing.T, secret *corev1.Secret, caPEM []byte, at time.Time) {
	t.Helper()
	pair := checkChains(t, secret, caPEM, at)
	if got, want := pair.Leaf.NotAfter, at.Add(ServingLifetime); !got.Equal(want) {
		t.Errorf("serving NotAfter = %s, want %s", got, want)
	}
}

// checkChains checks that the Secret's serving certificate chains to caPEM
// for every name a client may dial, at time at, whenever it was issued.
func checkChains(t *testing.T, secret *corev1.Secret, caPEM []byte, at time.Time) tls.Certificate {
	t.Helper()
	pair, err := ParseSecret(secret)
	if err != nil {
		t.Fatalf("ParseSecret: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatalf("CA PEM holds no certificate")
	}
	names := append(DNSNames(testService, testNamespace), "localhost", "127.0.0.1")
	for _, name := range names {
		opts := x509.VerifyOptions{Roots: pool, DNSName: name, CurrentTime: at,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		if _, err := pair.Leaf.Verify(opts); err != nil {
			t.Errorf("serving certificate for %s: %v", name, err)
		}
	}
	return pair
}

func checkCA(t *testing.T, caPEM []byte, at time.Time) {
	t.Helper()
	cas, err := parseCAs(CACertKey, caPEM)
	if err != nil {
		t.Fatalf("parse CA: %v", err)
	}
	ca := cas[0]
	if !ca.IsCA || ca.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("CA: IsCA %v, key usage %b", ca.IsCA, ca.KeyUsage)
	}
	if !strings.HasPrefix(ca.Subject.CommonName, caNamePrefix) || len(ca.Subject.CommonName) == len(caNamePrefix) {
		t.Errorf("CA CommonName %q lacks a random suffix after %q", ca.Subject.CommonName, caNamePrefix)
	}
	if got, want := ca.NotAfter, at.Add(CALifetime); !got.Equal(want) {
		t.Errorf("CA NotAfter = %s, want %s", got, want)
	}
}

func TestEnsureSecretCANamesDiffer(t *testing.T) {
	a, b := issuedSecret(t, t0), issuedSecret(t, t0)
	caA, errA := parseCAs(CACertKey, a.Data[CACertKey])
	caB, errB := parseCAs(CACertKey, b.Data[CACertKey])
	if errA != nil || errB != nil {
		t.Fatalf("parse CAs: %v, %v", errA, errB)
	}
	if caA[0].Subject.CommonName == caB[0].Subject.CommonName {
		t.Errorf("two CAs share the CommonName %q", caA[0].Subject.CommonName)
	}
}

func TestEnsureSecretKeepsValid(t *testing.T) {
	existing := issuedSecret(t, t0)
	client := fake.NewClientset(existing)
	// Still valid one day before the renewal window opens.
	at := t0.Add(ServingLifetime - RenewBefore - 24*time.Hour)

	caPEM, err := ensure(t, client, nil, at)
	if err != nil {
		t.Fatalf("EnsureSecret: %v", err)
	}
	if !bytes.Equal(caPEM, existing.Data[CACertKey]) {
		t.Errorf("returned CA differs from the existing one")
	}
	if got := verbs(client); len(got) != 1 || got[0] != "get" {
		t.Errorf("requests = %v, want only a get", got)
	}
}

func TestEnsureSecretRenewsExpiring(t *testing.T) {
	existing := issuedSecret(t, t0)
	existing.ResourceVersion = "7"
	client := fake.NewClientset(existing)
	core, logs := observer.New(zap.InfoLevel)
	at := t0.Add(ServingLifetime - RenewBefore + time.Hour)

	caPEM, err := ensure(t, client, zap.New(core), at)
	if err != nil {
		t.Fatalf("EnsureSecret: %v", err)
	}
	if got := verbs(client); strings.Join(got, ",") != "get,update" {
		t.Fatalf("requests = %v, want get,update", got)
	}
	update := client.Actions()[1].(k8stesting.UpdateAction).GetObject().(*corev1.Secret)
	if update.ResourceVersion != "7" {
		t.Errorf("update resourceVersion = %q, want the read one, 7", update.ResourceVersion)
	}
	checkRenewed(t, client, existing, caPEM, at)
	if n := logs.FilterMessage("webhook serving certificate renewed").Len(); n != 1 {
		t.Errorf("%d renewal log lines, want 1", n)
	}
}

// checkRenewed checks that the Secret has a new serving certificate from
// the old CA, valid at time at.
func checkRenewed(t *testing.T, client *fake.Clientset, old *corev1.Secret, caPEM []byte, at time.Time) {
	t.Helper()
	secret := getSecret(t, client)
	for _, key := range []string{CACertKey, CAKeyKey} {
		if !bytes.Equal(secret.Data[key], old.Data[key]) {
			t.Errorf("%s changed on renewal", key)
		}
	}
	if !bytes.Equal(caPEM, old.Data[CACertKey]) {
		t.Errorf("returned CA differs from the old one")
	}
	if bytes.Equal(secret.Data[TLSCertKey], old.Data[TLSCertKey]) {
		t.Errorf("%s not renewed", TLSCertKey)
	}
	checkServes(t, secret, caPEM, at)
}

func TestEnsureSecretRenewsAfterConflict(t *testing.T) {
	existing := issuedSecret(t, t0)
	client := fake.NewClientset(existing)
	conflicts := 0
	client.PrependReactor("update", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		if conflicts > 0 {
			return false, nil, nil
		}
		conflicts++
		return true, nil, apierrors.NewConflict(secretsResource, SecretName, errors.New("changed"))
	})
	at := t0.Add(ServingLifetime)

	caPEM, err := ensure(t, client, nil, at)
	if err != nil {
		t.Fatalf("EnsureSecret: %v", err)
	}
	if got := verbs(client); strings.Join(got, ",") != "get,update,get,update" {
		t.Errorf("requests = %v, want get,update,get,update", got)
	}
	checkRenewed(t, client, existing, caPEM, at)
}

func TestEnsureSecretGivesUpOnEndlessConflicts(t *testing.T) {
	client := fake.NewClientset(issuedSecret(t, t0))
	client.PrependReactor("update", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewConflict(secretsResource, SecretName, errors.New("changed"))
	})

	_, err := ensure(t, client, nil, t0.Add(ServingLifetime))
	if err == nil || !strings.Contains(err.Error(), "another writer changed it") {
		t.Fatalf("err = %v, want one saying another writer kept changing the Secret", err)
	}
	if got := len(client.Actions()); got != 2*maxEnsureAttempts {
		t.Errorf("%d requests, want %d", got, 2*maxEnsureAttempts)
	}
}

func TestEnsureSecretCreateRace(t *testing.T) {
	theirs := issuedSecret(t, t0)
	client := fake.NewClientset()
	// The other run's create lands between our get and our create.
	client.PrependReactor("create", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		if err := client.Tracker().Add(theirs); err != nil {
			t.Errorf("add the other run's secret: %v", err)
		}
		return true, nil, apierrors.NewAlreadyExists(secretsResource, SecretName)
	})

	caPEM, err := ensure(t, client, nil, t0)
	if err != nil {
		t.Fatalf("EnsureSecret: %v", err)
	}
	if got := verbs(client); strings.Join(got, ",") != "get,create,get" {
		t.Errorf("requests = %v, want get,create,get", got)
	}
	if !bytes.Equal(caPEM, theirs.Data[CACertKey]) {
		t.Errorf("returned CA is not the other run's")
	}
	if got := getSecret(t, client); !bytes.Equal(got.Data[TLSCertKey], theirs.Data[TLSCertKey]) {
		t.Errorf("the other run's serving certificate was replaced")
	}
}

func TestEnsureSecretConcurrentRunsAgree(t *testing.T) {
	client := fake.NewClientset()
	const runs = 4
	cas := make([][]byte, runs)
	errs := make([]error, runs)
	var wg sync.WaitGroup
	for i := range runs {
		wg.Go(func() { cas[i], errs[i] = ensure(t, client, nil, t0) })
	}
	wg.Wait()

	want := getSecret(t, client).Data[CACertKey]
	for i := range runs {
		if errs[i] != nil {
			t.Errorf("run %d: %v", i, errs[i])
		}
		if !bytes.Equal(cas[i], want) {
			t.Errorf("run %d returned a CA other than the stored one", i)
		}
	}
}

func TestEnsureSecretWrapsCallsInRetry(t *testing.T) {
	client := fake.NewClientset()
	client.PrependReactor("get", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewServiceUnavailable("starting")
	})
	var ops []string
	retry := func(ctx context.Context, op string, fn func(context.Context) error) error {
		ops = append(ops, op)
		return fn(ctx)
	}

	_, err := EnsureSecret(context.Background(), client, testNamespace, testService, retry, nil, clock(t0))
	if !apierrors.IsServiceUnavailable(err) {
		t.Errorf("err = %v, want the server's 503", err)
	}
	if err != nil && !strings.Contains(err.Error(), testNamespace+"/"+SecretName) {
		t.Errorf("err = %v, want it to name the Secret", err)
	}
	if len(ops) != 1 || ops[0] != "get webhook TLS secret" {
		t.Errorf("retried ops = %q, want the get", ops)
	}
}
