package certs

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// renewServing runs RenewServing for the test Service with a clock fixed at at.
func renewServing(client *fake.Clientset, at time.Time) (bool, error) {
	return RenewServing(context.Background(), client, testNamespace, testService, nil, nil, clock(at))
}

// expiringAt is a moment inside the renewal window of a certificate issued at t0.
var expiringAt = t0.Add(ServingLifetime - RenewBefore + time.Hour)

func TestRenewServing(t *testing.T) {
	issued := issuedSecret(t, t0)
	withoutCAKey := issued.DeepCopy()
	delete(withoutCAKey.Data, CAKeyKey)
	cases := []struct {
		name        string
		existing    []runtime.Object
		at          time.Time
		wantRenewed bool
		wantVerbs   string
		wantErr     func(error) bool
	}{
		{name: "expiring is renewed from the same CA", existing: []runtime.Object{issued.DeepCopy()},
			at: expiringAt, wantRenewed: true, wantVerbs: "get,update"},
		{name: "expired is renewed from the same CA", existing: []runtime.Object{issued.DeepCopy()},
			at: t0.Add(ServingLifetime + time.Hour), wantRenewed: true, wantVerbs: "get,update"},
		{name: "valid is kept", existing: []runtime.Object{issued.DeepCopy()},
			at: t0.Add(ServingLifetime - RenewBefore - time.Hour), wantVerbs: "get"},
		{name: "valid without ca.key is kept", existing: []runtime.Object{withoutCAKey.DeepCopy()},
			at: t0, wantVerbs: "get"},
		{name: "missing secret is not created", at: expiringAt, wantVerbs: "get",
			wantErr: apierrors.IsNotFound},
		{name: "expiring without ca.key is not renewed", existing: []runtime.Object{withoutCAKey.DeepCopy()},
			at: expiringAt, wantVerbs: "get", wantErr: isCAUnusable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			client := fake.NewClientset(tc.existing...)
			renewed, err := renewServing(client, tc.at)
			if tc.wantErr == nil && err != nil {
				t.Fatalf("RenewServing: %v", err)
			}
			if tc.wantErr != nil && (err == nil || !tc.wantErr(err)) {
				t.Fatalf("RenewServing error = %v, want one of the expected kind", err)
			}
			if renewed != tc.wantRenewed {
				t.Errorf("renewed = %v, want %v", renewed, tc.wantRenewed)
			}
			if got := strings.Join(verbs(client), ","); got != tc.wantVerbs {
				t.Errorf("requests = %s, want %s", got, tc.wantVerbs)
			}
			if tc.wantRenewed {
				checkRenewed(t, client, issued, issued.Data[CACertKey], tc.at)
			}
		})
	}
}

func isCAUnusable(err error) bool { return errors.Is(err, ErrCAUnusable) }

func TestRenewServingSendsReadResourceVersion(t *testing.T) {
	existing := issuedSecret(t, t0)
	existing.ResourceVersion = "42"
	client := fake.NewClientset(existing)

	if _, err := renewServing(client, expiringAt); err != nil {
		t.Fatalf("RenewServing: %v", err)
	}
	actions := client.Actions()
	if len(actions) != 2 {
		t.Fatalf("requests = %v, want get,update", verbs(client))
	}
	update := actions[1].(k8stesting.UpdateAction).GetObject().(*corev1.Secret)
	if update.ResourceVersion != "42" {
		t.Errorf("update resourceVersion = %q, want the read one, 42", update.ResourceVersion)
	}
}

func TestRenewServingRetriesAfterConflict(t *testing.T) {
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

	renewed, err := renewServing(client, expiringAt)
	if err != nil || !renewed {
		t.Fatalf("RenewServing = %v, %v; want renewed", renewed, err)
	}
	if got := strings.Join(verbs(client), ","); got != "get,update,get,update" {
		t.Errorf("requests = %s, want get,update,get,update", got)
	}
	checkRenewed(t, client, existing, existing.Data[CACertKey], expiringAt)
}

// Another replica renewed first: after the conflict the fresh read is valid,
// so nothing more is written.
func TestRenewServingKeepsAnotherWritersRenewal(t *testing.T) {
	existing := issuedSecret(t, t0)
	client := fake.NewClientset(existing)
	theirs := renewedCopy(t, existing, expiringAt)
	client.PrependReactor("update", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewConflict(secretsResource, SecretName, errors.New("changed"))
	})
	gets := 0
	client.PrependReactor("get", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		if gets++; gets == 1 {
			return false, nil, nil
		}
		return true, theirs.DeepCopy(), nil
	})

	renewed, err := renewServing(client, expiringAt)
	if err != nil || renewed {
		t.Fatalf("RenewServing = %v, %v; want nothing renewed and no error", renewed, err)
	}
	if got := strings.Join(verbs(client), ","); got != "get,update,get" {
		t.Errorf("requests = %s, want get,update,get", got)
	}
}

// renewedCopy returns the Secret that RenewServing at time at leaves of secret.
func renewedCopy(t *testing.T, secret *corev1.Secret, at time.Time) *corev1.Secret {
	t.Helper()
	client := fake.NewClientset(secret.DeepCopy())
	if _, err := renewServing(client, at); err != nil {
		t.Fatalf("RenewServing: %v", err)
	}
	return getSecret(t, client)
}

func TestRenewServingNeverCreatesAfterDelete(t *testing.T) {
	client := fake.NewClientset(issuedSecret(t, t0))
	client.PrependReactor("update", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewNotFound(secretsResource, SecretName)
	})
	gets := 0
	client.PrependReactor("get", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		if gets++; gets == 1 {
			return false, nil, nil
		}
		return true, nil, apierrors.NewNotFound(secretsResource, SecretName)
	})

	_, err := renewServing(client, expiringAt)
	if !apierrors.IsNotFound(err) {
		t.Fatalf("err = %v, want NotFound", err)
	}
	if got := strings.Join(verbs(client), ","); got != "get,update,get" {
		t.Errorf("requests = %s, want get,update,get", got)
	}
}

func TestRenewServingGivesUpOnEndlessConflicts(t *testing.T) {
	client := fake.NewClientset(issuedSecret(t, t0))
	client.PrependReactor("update", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewConflict(secretsResource, SecretName, errors.New("changed"))
	})

	_, err := renewServing(client, expiringAt)
	if err == nil || !strings.Contains(err.Error(), "another writer changed it") {
		t.Fatalf("err = %v, want one saying another writer kept changing the Secret", err)
	}
	if got := len(client.Actions()); got != 2*maxEnsureAttempts {
		t.Errorf("%d requests, want %d", got, 2*maxEnsureAttempts)
	}
}
