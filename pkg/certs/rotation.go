package certs

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
)

// A CA rotation moves the webhook from one CA to the next without a moment
// in which the API server distrusts the certificate it is served. It runs in
// three steps, each driven by an apply run and each recorded in the Secret
// before the next may start, so that an init container killed at any point
// picks up where it stopped:
//
//  1. EnsureSecret, finding the CA past RotationFraction of its life, adds a
//     new CA to ca.crt (kept in next-ca.crt and next-ca.key, not signing
//     yet) and sets PhaseTrusting. apply writes ca.crt, both CAs, into every
//     CRD's caBundle.
//  2. PromoteNextCA, once it has seen every CRD that calls the webhook
//     trust the new CA, makes it the signing CA (ca.key), issues the serving
//     certificate from it and sets PhaseSigning with the time of the switch.
//  3. EnsureSecret, once ServingSwitchGrace has passed since the switch,
//     drops every CA but the signing one from ca.crt and ends the rotation;
//     apply then writes the new CA alone into the caBundles.
const (
	// RotationFraction is the part of its lifetime after which a CA is
	// rotated. Two thirds leave a third of a long lifetime for the rotation
	// to finish: it waits for apply runs, which come with pod restarts.
	RotationFraction = 2.0 / 3.0

	// ServingSwitchGrace is how long the old CA stays trusted after the
	// serving certificate moved to the new one: the time every webhook pod
	// needs to load the new certificate. A pod reads the Secret every
	// minute (conversion.SecretRefreshInterval); one serving a mounted copy
	// of it sees a change after the kubelet's sync, a minute or two, plus
	// conversion.FileReloadInterval. Five minutes cover both with room. A
	// wait was chosen over asking the pods what they serve: it needs no
	// network path from apply to every pod, no extra RBAC and no report
	// written by the pods, and apply runs seldom, so the next run is usually
	// long past it anyway.
	ServingSwitchGrace = 5 * time.Minute

	// RotationPhaseAnnotation on the Secret records how far a CA rotation
	// went; absent when none is under way.
	RotationPhaseAnnotation = "openservicemesh.io/ca-rotation"
	// SwitchedAtAnnotation on the Secret records, in RFC 3339, when the
	// serving certificate moved to the new CA (PhaseSigning only).
	SwitchedAtAnnotation = "openservicemesh.io/ca-rotation-switched-at"
)

// The values of RotationPhaseAnnotation.
const (
	// PhaseNone: no rotation; ca.crt holds the signing CA.
	PhaseNone = ""
	// PhaseTrusting: ca.crt holds the old CA, which still signs (ca.key),
	// and the new one (next-ca.crt, next-ca.key); the CRDs are being told
	// to trust both.
	PhaseTrusting = "trusting"
	// PhaseSigning: the new CA signs (ca.key) and the serving certificate
	// is its; ca.crt still holds the old CA for the pods that serve an old
	// certificate until ServingSwitchGrace has passed.
	PhaseSigning = "signing"
)

// phaseOf returns the rotation phase the Secret records.
func phaseOf(secret *corev1.Secret) string {
	return secret.Annotations[RotationPhaseAnnotation]
}

// rotationDue tells whether a CA is past RotationFraction of its lifetime at
// time at.
func rotationDue(a *authority, at time.Time) bool {
	life := a.cert.NotAfter.Sub(a.cert.NotBefore)
	return !at.Before(a.cert.NotBefore.Add(time.Duration(float64(life) * RotationFraction)))
}

// rotate runs the steps of a rotation that EnsureSecret drives (1 and 3) as
// far as the Secret allows, and returns the Secret as it then is.
func (e *ensurer) rotate(ctx context.Context, secret *corev1.Secret, now time.Time) (*corev1.Secret, error) {
	ca, err := parseAuthority(secret.Data)
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w; %s", e.ref(), err, recoverHint)
	}
	switch phase := phaseOf(secret); phase {
	case PhaseNone:
		if ca.key == nil || !rotationDue(ca, now) {
			return secret, nil
		}
		return e.startRotation(ctx, secret, now)
	case PhaseTrusting:
		return e.keepTrusting(ctx, secret, now)
	case PhaseSigning:
		return e.finishRotation(ctx, secret, ca, now)
	default:
		return nil, fmt.Errorf("secret %s: %w: unknown %s %q: want %q or %q; %s", e.ref(), ErrCAUnusable,
			RotationPhaseAnnotation, phase, PhaseTrusting, PhaseSigning, recoverHint)
	}
}

// startRotation is step 1: it issues the next CA and adds it to ca.crt. The
// old CA keeps signing, so nothing the API server trusts changes yet.
func (e *ensurer) startRotation(ctx context.Context, secret *corev1.Secret, now time.Time) (*corev1.Secret, error) {
	next, err := newAuthority(e.namespace, now)
	if err != nil {
		return nil, err
	}
	keyPEM, err := next.keyPEM()
	if err != nil {
		return nil, err
	}
	updated := secret.DeepCopy()
	updated.Data[NextCACertKey] = next.certPEM
	updated.Data[NextCAKeyKey] = keyPEM
	updated.Data[CACertKey] = joinPEM(updated.Data[CACertKey], next.certPEM)
	setAnnotation(updated, RotationPhaseAnnotation, PhaseTrusting)

	written, err := e.update(ctx, "start webhook CA rotation", updated)
	if err != nil {
		return nil, err
	}
	e.log.Info("webhook CA rotation started", e.fields(zap.String("phase", PhaseTrusting),
		zap.String("newCA", next.cert.Subject.CommonName), zap.Time("newCANotAfter", next.cert.NotAfter))...)
	return written, nil
}

// keepTrusting checks a Secret in PhaseTrusting: its next CA must parse and
// be in ca.crt. A next CA that is lost or broken is issued again, and one
// missing from ca.crt is added back: step 1 once more, which is safe since
// the next CA signs nothing yet.
func (e *ensurer) keepTrusting(ctx context.Context, secret *corev1.Secret, now time.Time) (*corev1.Secret, error) {
	next, err := parseNext(secret.Data)
	if err != nil {
		e.log.Warn("webhook CA rotation restarts: next CA unusable", e.fields(zap.Error(err))...)
		return e.startRotation(ctx, secret, now)
	}
	if BundleContains(secret.Data[CACertKey], next.cert) {
		return secret, nil
	}
	updated := secret.DeepCopy()
	updated.Data[CACertKey] = joinPEM(updated.Data[CACertKey], next.certPEM)
	return e.update(ctx, "add next webhook CA to ca.crt", updated)
}

// parseNext reads the next CA of a Secret in PhaseTrusting, key required.
func parseNext(data map[string][]byte) (*authority, error) {
	next, err := parsePair(data, NextCACertKey, NextCAKeyKey)
	if err != nil {
		return nil, err
	}
	if next.key == nil {
		return nil, fmt.Errorf("no %s", NextCAKeyKey)
	}
	return next, nil
}

// finishRotation is step 3: once the serving certificate is the signing
// CA's and has been for ServingSwitchGrace, it leaves the signing CA alone
// in ca.crt. A serving certificate of another CA (someone wrote one back) is
// replaced and the grace starts over, as it does when the switch time is
// missing.
func (e *ensurer) finishRotation(ctx context.Context, secret *corev1.Secret, ca *authority,
	now time.Time) (*corev1.Secret, error) {
	switchedAt, err := time.Parse(time.RFC3339, secret.Annotations[SwitchedAtAnnotation])
	if ca.key == nil || !servedBy(secret, ca) || err != nil {
		return e.switchServing(ctx, secret, ca, now)
	}
	if left := switchedAt.Add(ServingSwitchGrace).Sub(now); left > 0 {
		e.log.Info("webhook CA rotation waits for webhooks to load the new certificate",
			e.fields(zap.String("phase", PhaseSigning), zap.Time("switchedAt", switchedAt), zap.Duration("left", left))...)
		return secret, nil
	}
	updated := secret.DeepCopy()
	updated.Data[CACertKey] = encodeCert(ca.cert.Raw)
	delete(updated.Annotations, RotationPhaseAnnotation)
	delete(updated.Annotations, SwitchedAtAnnotation)

	written, err := e.update(ctx, "finish webhook CA rotation", updated)
	if err != nil {
		return nil, err
	}
	e.log.Info("webhook CA rotation finished", e.fields(zap.String("ca", ca.cert.Subject.CommonName))...)
	return written, nil
}

// servedBy tells whether the Secret's serving certificate was signed by ca.
func servedBy(secret *corev1.Secret, ca *authority) bool {
	pair, err := ParseSecret(secret)
	return err == nil && pair.Leaf.CheckSignatureFrom(ca.cert) == nil
}

// switchServing issues the serving certificate from ca, the new signing CA,
// and records the time in SwitchedAtAnnotation with PhaseSigning. It fails
// when ca has no key: the old CA cannot leave ca.crt then.
func (e *ensurer) switchServing(ctx context.Context, secret *corev1.Secret, ca *authority,
	now time.Time) (*corev1.Secret, error) {
	if ca.key == nil {
		return nil, fmt.Errorf("secret %s: %w: %s is %s but there is no %s; %s", e.ref(), ErrCAUnusable,
			RotationPhaseAnnotation, PhaseSigning, CAKeyKey, recoverHint)
	}
	serving, err := ca.issueServing(e.service, e.namespace, now)
	if err != nil {
		return nil, err
	}
	updated := secret.DeepCopy()
	updated.Data[TLSCertKey] = serving.certPEM
	updated.Data[TLSKeyKey] = serving.keyPEM
	setAnnotation(updated, RotationPhaseAnnotation, PhaseSigning)
	setAnnotation(updated, SwitchedAtAnnotation, now.UTC().Format(time.RFC3339))

	written, err := e.update(ctx, "switch webhook serving certificate to the new CA", updated)
	if err != nil {
		return nil, err
	}
	e.log.Info("webhook serving certificate switched to the new CA", e.fields(zap.String("phase", PhaseSigning),
		zap.String("ca", ca.cert.Subject.CommonName), zap.Time("notAfter", serving.notAfter))...)
	return written, nil
}

// setAnnotation sets one annotation of secret.
func setAnnotation(secret *corev1.Secret, key, value string) {
	if secret.Annotations == nil {
		secret.Annotations = map[string]string{}
	}
	secret.Annotations[key] = value
}

// joinPEM appends PEM blocks to a PEM bundle, with a line break between.
func joinPEM(bundle, more []byte) []byte {
	out := bytes.Clone(bundle)
	if len(out) > 0 && !bytes.HasSuffix(out, []byte("\n")) {
		out = append(out, '\n')
	}
	return append(out, more...)
}
