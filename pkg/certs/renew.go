package certs

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
)

// RenewServing replaces the serving certificate of the webhook TLS Secret
// (SecretName in namespace) by one from the Secret's own CA when it no
// longer covers service (see DNSNames) or expires within RenewBefore. It is
// what the webhook calls so that a pod running for years never serves an
// expired certificate; it reports whether it wrote the Secret.
//
// The signing CA is the one ca.key belongs to: during a CA rotation, the old
// CA until PromoteNextCA switched, the new one after.
//
// A serving certificate that is fit to serve is left alone, without a write,
// whatever the state of the CA. Unlike EnsureSecret, RenewServing never
// creates a Secret nor a CA: a CA the CRDs' caBundle does not hold would
// break every conversion. A missing Secret is an error for which
// apierrors.IsNotFound holds; a CA that is unusable, has no ca.key or
// expires within RenewBefore is an error wrapping ErrCAUnusable. The update
// carries the read resourceVersion; after a conflict RenewServing reads the
// Secret again and checks anew, so two webhook replicas renewing at once
// write once.
//
// retry wraps every API call; it never sees NotFound or Conflict. A nil
// retry calls once, a nil log discards, a nil now means time.Now.
func RenewServing(ctx context.Context, client kubernetes.Interface, namespace, service string,
	retry func(ctx context.Context, op string, fn func(context.Context) error) error,
	log *zap.Logger, now func() time.Time) (renewed bool, err error) {
	e := newEnsurer(client, namespace, service, retry, log, now)
	return untilSettled(ctx, e, "renew serving certificate in secret", e.renewOnce)
}

// renewOnce reads the Secret and renews its serving certificate if it must.
// It returns errRaced when another writer got in between.
func (e *ensurer) renewOnce(ctx context.Context) (bool, error) {
	secret, err := e.get(ctx)
	if err != nil {
		return false, err
	}
	if secret == nil {
		return false, fmt.Errorf("renew serving certificate: %w",
			apierrors.NewNotFound(corev1.Resource("secrets"), e.ref()))
	}

	now := e.now()
	pair, invalid := Verify(secret, DNSNames(e.service, e.namespace), now)
	if invalid == nil {
		e.log.Debug("webhook serving certificate valid", e.fields(zap.Time("notAfter", pair.Leaf.NotAfter))...)
		return false, nil
	}
	ca, err := parseAuthority(secret.Data)
	if err == nil {
		err = checkExpiry(ca.cert, now)
	}
	if err != nil {
		return false, fmt.Errorf("secret %s: %w; %s", e.ref(), err, recoverHint)
	}
	if ca.key == nil {
		return false, fmt.Errorf("secret %s: %w: no %s to renew the serving certificate with (%w); %s",
			e.ref(), ErrCAUnusable, CAKeyKey, invalid, recoverHint)
	}
	if _, err := e.renew(ctx, secret, ca, invalid); err != nil {
		return false, err
	}
	return true, nil
}
