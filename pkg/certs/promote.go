package certs

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"

	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
)

// TrustSettleDelay is how long PromoteNextCA waits between seeing every CRD
// trust the new CA and switching to it, after which it looks again. The
// read shows what etcd holds; every API server of a highly available
// control plane learns of the change through its watch, which is quick but
// not instant, and a webhook pod may load the new certificate the moment
// it is written.
const TrustSettleDelay = 5 * time.Second

// TrustCheck returns the names of the CRDs that call the webhook and whose
// caBundle does not hold ca yet; none means that every one trusts it.
type TrustCheck func(ctx context.Context, ca *x509.Certificate) (untrusting []string, err error)

// PromoteNextCA is step 2 of a CA rotation (see RotationFraction). When the
// webhook TLS Secret (SecretName in namespace) is in PhaseTrusting and
// trusted reports, twice TrustSettleDelay apart, that every CRD calling the
// webhook trusts the new CA, it makes the new CA the signing one, issues
// from it a serving certificate for service and moves the Secret to
// PhaseSigning. It reports whether it did; in any other phase it does
// nothing. The update carries the read resourceVersion; after a conflict it
// reads again and checks anew.
//
// retry wraps every API call; it never sees NotFound or Conflict. A nil
// retry calls once, a nil log discards, a nil now means time.Now.
func PromoteNextCA(ctx context.Context, client kubernetes.Interface, namespace, service string, trusted TrustCheck,
	retry func(ctx context.Context, op string, fn func(context.Context) error) error,
	log *zap.Logger, now func() time.Time) (promoted bool, err error) {
	return newEnsurer(client, namespace, service, retry, log, now).promoteNextCA(ctx, trusted)
}

// promoteNextCA is PromoteNextCA with the ensurer's settle delay.
func (e *ensurer) promoteNextCA(ctx context.Context, trusted TrustCheck) (bool, error) {
	return untilSettled(ctx, e, "promote next CA in secret", func(ctx context.Context) (bool, error) {
		return e.promoteOnce(ctx, trusted)
	})
}

// promoteOnce reads the Secret and promotes its next CA if every CRD trusts
// it. It returns errRaced when another writer got in between.
func (e *ensurer) promoteOnce(ctx context.Context, trusted TrustCheck) (bool, error) {
	secret, err := e.get(ctx)
	if err != nil {
		return false, err
	}
	if secret == nil {
		return false, fmt.Errorf("promote next CA: %w", apierrors.NewNotFound(corev1.Resource("secrets"), e.ref()))
	}
	if phaseOf(secret) != PhaseTrusting {
		return false, nil
	}
	next, err := parseNext(secret.Data)
	if err != nil {
		return false, fmt.Errorf("secret %s: %w: %w; run apply again: it issues a new next CA", e.ref(), ErrCAUnusable, err)
	}

	ok, err := e.allTrust(ctx, trusted, next)
	if err != nil || !ok {
		return false, err
	}
	if err := e.sleep(ctx, e.settle); err != nil {
		return false, err
	}
	if ok, err = e.allTrust(ctx, trusted, next); err != nil || !ok {
		return false, err
	}
	return true, e.promote(ctx, secret, next)
}

// allTrust asks trusted about next and logs the CRDs that hold it up.
func (e *ensurer) allTrust(ctx context.Context, trusted TrustCheck, next *authority) (bool, error) {
	untrusting, err := trusted(ctx, next.cert)
	if err != nil {
		return false, fmt.Errorf("check that CRDs trust the new webhook CA: %w", err)
	}
	if len(untrusting) > 0 {
		e.log.Info("webhook CA rotation waits for CRDs to trust the new CA",
			e.fields(zap.String("phase", PhaseTrusting), zap.Strings("crds", untrusting))...)
		return false, nil
	}
	return true, nil
}

// promote makes next the signing CA of secret and switches the serving
// certificate to it.
func (e *ensurer) promote(ctx context.Context, secret *corev1.Secret, next *authority) error {
	updated := secret.DeepCopy()
	updated.Data[CAKeyKey] = updated.Data[NextCAKeyKey]
	delete(updated.Data, NextCACertKey)
	delete(updated.Data, NextCAKeyKey)
	_, err := e.switchServing(ctx, updated, next, e.now())
	return err
}
