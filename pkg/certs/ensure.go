package certs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
)

// maxEnsureAttempts bounds how often EnsureSecret starts over because another
// writer changed the Secret between its read and its write. Each start over
// reads what that writer left, which is normally fit to use.
const maxEnsureAttempts = 5

// recoverHint ends every ErrCAUnusable error EnsureSecret returns.
const recoverHint = "to recover, delete the Secret and run apply again: it issues a new CA, " +
	"and conversions fail until the webhook has loaded the new certificate"

// errRaced: another writer created, changed or deleted the Secret between
// our read and our write; start over from a fresh read.
var errRaced = errors.New("secret changed meanwhile")

// retryFunc runs fn until it succeeds, fails for good or ctx ends; op names
// the operation in logs. It matches crds.Retrier.
type retryFunc = func(ctx context.Context, op string, fn func(context.Context) error) error

// ensurer holds what one EnsureSecret call works with.
type ensurer struct {
	secrets   corev1client.SecretInterface
	namespace string
	service   string
	retry     retryFunc
	log       *zap.Logger
	now       func() time.Time
	// settle is how long PromoteNextCA waits between its two looks at the
	// CRDs; TrustSettleDelay but in tests.
	settle time.Duration
}

// EnsureSecret makes sure the webhook TLS Secret (SecretName in namespace)
// holds a usable CA and a serving certificate for service (DNSNames plus
// localhost and 127.0.0.1), and returns the CA certificates (ca.crt, PEM) for
// the CRDs' caBundle.
//
// A missing Secret is created with a new CA. A valid one is returned as it
// is, without a write. A serving certificate that is invalid, does not cover
// the Service or expires within RenewBefore is replaced by one from the same
// CA, so the caBundle stays valid; the update carries the read
// resourceVersion. Two runs at once converge on one CA: the one that loses
// the create or update reads the Secret again and uses what it finds. A CA
// that cannot be used, or expires within RenewBefore and has no ca.key to
// rotate with, is an error wrapping ErrCAUnusable that says how to recover.
//
// EnsureSecret also drives steps 1 and 3 of a CA rotation (see
// RotationFraction): it adds a new CA to ca.crt once the signing CA is past
// RotationFraction of its life, and drops the old one ServingSwitchGrace
// after PromoteNextCA switched to the new one. The returned ca.crt then
// holds both CAs, or the new one alone.
//
// retry wraps every API call; it never sees NotFound, AlreadyExists or
// Conflict, which EnsureSecret handles itself. A nil retry calls once, a nil
// log discards, a nil now means time.Now.
func EnsureSecret(ctx context.Context, client kubernetes.Interface, namespace, service string,
	retry func(ctx context.Context, op string, fn func(context.Context) error) error,
	log *zap.Logger, now func() time.Time) (caPEM []byte, err error) {
	e := newEnsurer(client, namespace, service, retry, log, now)
	return untilSettled(ctx, e, "ensure secret", e.ensureOnce)
}

// untilSettled runs once again while it returns errRaced (another writer
// changed the Secret in between), at most maxEnsureAttempts times.
func untilSettled[T any](ctx context.Context, e *ensurer, what string, once func(context.Context) (T, error)) (T, error) {
	for range maxEnsureAttempts {
		out, err := once(ctx)
		if !errors.Is(err, errRaced) {
			return out, err
		}
		e.log.Debug("webhook TLS secret changed meanwhile, reading it again", e.fields()...)
	}
	var zero T
	return zero, fmt.Errorf("%s %s: another writer changed it during each of %d attempts", what, e.ref(), maxEnsureAttempts)
}

func newEnsurer(client kubernetes.Interface, namespace, service string, retry retryFunc,
	log *zap.Logger, now func() time.Time) *ensurer {
	if retry == nil {
		retry = func(ctx context.Context, _ string, fn func(context.Context) error) error {
			return fn(ctx)
		}
	}
	if log == nil {
		log = zap.NewNop()
	}
	if now == nil {
		now = time.Now
	}
	return &ensurer{
		secrets:   client.CoreV1().Secrets(namespace),
		namespace: namespace,
		service:   service,
		retry:     retry,
		log:       log,
		now:       now,
		settle:    TrustSettleDelay,
	}
}

// sleep waits for d or until ctx ends.
func (e *ensurer) sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// ref names the Secret in errors.
func (e *ensurer) ref() string {
	return e.namespace + "/" + SecretName
}

// fields are the log keys that name the Secret, followed by more.
func (e *ensurer) fields(more ...zap.Field) []zap.Field {
	return append([]zap.Field{zap.String("secret", SecretName), zap.String("namespace", e.namespace)}, more...)
}

// ensureOnce reads the Secret and creates, keeps or renews it. It returns
// errRaced when another writer got in between.
func (e *ensurer) ensureOnce(ctx context.Context) ([]byte, error) {
	secret, err := e.get(ctx)
	if err != nil {
		return nil, err
	}
	if secret == nil {
		return e.create(ctx)
	}
	return e.check(ctx, secret)
}

// get reads the Secret; nil means it does not exist.
func (e *ensurer) get(ctx context.Context) (*corev1.Secret, error) {
	var secret *corev1.Secret
	err := e.retry(ctx, "get webhook TLS secret", func(ctx context.Context) error {
		got, err := e.secrets.Get(ctx, SecretName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			secret = nil
			return nil
		}
		secret = got
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get secret %s: %w", e.ref(), err)
	}
	return secret, nil
}

// create issues a new CA and serving certificate and creates the Secret.
func (e *ensurer) create(ctx context.Context) ([]byte, error) {
	now := e.now()
	ca, err := newAuthority(e.namespace, now)
	if err != nil {
		return nil, err
	}
	serving, err := ca.issueServing(e.service, e.namespace, now)
	if err != nil {
		return nil, err
	}
	secret, err := newSecret(e.namespace, ca, serving)
	if err != nil {
		return nil, err
	}

	exists := false
	err = e.retry(ctx, "create webhook TLS secret", func(ctx context.Context) error {
		_, err := e.secrets.Create(ctx, secret, metav1.CreateOptions{})
		exists = apierrors.IsAlreadyExists(err)
		if exists {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create secret %s: %w", e.ref(), err)
	}
	if exists {
		return nil, errRaced
	}
	e.log.Info("webhook TLS secret created",
		e.fields(zap.Time("notAfter", serving.notAfter), zap.Time("caNotAfter", ca.cert.NotAfter))...)
	return ca.certPEM, nil
}

// check advances a CA rotation when one is due or under way, then keeps a
// valid Secret and renews its serving certificate otherwise.
func (e *ensurer) check(ctx context.Context, secret *corev1.Secret) ([]byte, error) {
	now := e.now()
	secret, err := e.rotate(ctx, secret, now)
	if err != nil {
		return nil, err
	}
	ca, err := parseAuthority(secret.Data)
	if err == nil && phaseOf(secret) == PhaseNone {
		// During a rotation an old CA close to its end is expected: it is
		// on its way out, and the new one takes over in this very run.
		err = checkExpiry(ca.cert, now)
	}
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w; %s", e.ref(), err, recoverHint)
	}
	pair, invalid := Verify(secret, DNSNames(e.service, e.namespace), now)
	if invalid == nil {
		e.log.Debug("webhook TLS secret valid", e.fields(zap.Time("notAfter", pair.Leaf.NotAfter))...)
		return ca.certPEM, nil
	}
	if ca.key == nil {
		return nil, fmt.Errorf("secret %s: %w: no %s to renew the serving certificate with (%w); %s",
			e.ref(), ErrCAUnusable, CAKeyKey, invalid, recoverHint)
	}
	return e.renew(ctx, secret, ca, invalid)
}

// renew replaces the serving certificate of secret by one from ca, with the
// read resourceVersion as precondition. reason says why, for the log.
func (e *ensurer) renew(ctx context.Context, secret *corev1.Secret, ca *authority,
	reason error) ([]byte, error) {
	serving, err := ca.issueServing(e.service, e.namespace, e.now())
	if err != nil {
		return nil, err
	}
	updated := secret.DeepCopy()
	updated.Data[TLSCertKey] = serving.certPEM
	updated.Data[TLSKeyKey] = serving.keyPEM

	if _, err := e.update(ctx, "renew webhook serving certificate", updated); err != nil {
		return nil, err
	}
	e.log.Info("webhook serving certificate renewed",
		e.fields(zap.Time("notAfter", serving.notAfter), zap.String("reason", reason.Error()))...)
	return ca.certPEM, nil
}

// update writes secret, which carries the read resourceVersion, and returns
// what the server then holds. It returns errRaced when another writer
// changed or deleted the Secret since it was read.
func (e *ensurer) update(ctx context.Context, op string, secret *corev1.Secret) (*corev1.Secret, error) {
	var written *corev1.Secret
	raced := false
	err := e.retry(ctx, op, func(ctx context.Context) error {
		got, err := e.secrets.Update(ctx, secret, metav1.UpdateOptions{})
		raced = apierrors.IsConflict(err) || apierrors.IsNotFound(err)
		if raced {
			return nil
		}
		written = got
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update secret %s: %w", e.ref(), err)
	}
	if raced {
		return nil, errRaced
	}
	return written, nil
}
