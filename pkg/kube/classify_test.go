package kube

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var crdResource = schema.GroupResource{Group: "apiextensions.k8s.io", Resource: "customresourcedefinitions"}

// netTimeout is a net.Error that timed out, like net/http's TLS handshake
// timeout, which is unexported.
type netTimeout struct{}

func (netTimeout) Error() string   { return "net/http: TLS handshake timeout" }
func (netTimeout) Timeout() bool   { return true }
func (netTimeout) Temporary() bool { return true }

// urlError wraps err the way net/http's client returns it.
func urlError(err error) error {
	return &url.Error{Op: "Patch", URL: "https://10.96.0.1/apis/apiextensions.k8s.io/v1", Err: err}
}

// generic is an answer with code and no Status body, as a proxy sends.
func generic(code int) error {
	return apierrors.NewGenericServerResponse(code, "GET", crdResource, "x", "", 0, false)
}

var dnsError = &net.DNSError{Err: "no such host", Name: "kubernetes.default.svc", IsNotFound: true}

func dialError(errno syscall.Errno) error {
	return urlError(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)})
}

func TestClassify(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want errorClass
	}{
		// Answers from the API server.
		{name: "400 bad request", err: apierrors.NewBadRequest("bad patch"), want: permanent},
		{name: "404 not found", err: apierrors.NewNotFound(crdResource, "x"), want: permanent},
		{name: "409 conflict", err: apierrors.NewConflict(crdResource, "x", errors.New("modified")), want: permanent},
		{name: "410 expired", err: apierrors.NewResourceExpired("too old resource version"), want: permanent},
		{name: "422 invalid", err: apierrors.NewInvalid(schema.GroupKind{Kind: "CustomResourceDefinition"}, "x", field.ErrorList{}), want: permanent},
		{name: "418 unexpected", err: generic(418), want: permanent},
		{name: "401 unauthorized", err: apierrors.NewUnauthorized("token expired"), want: denied},
		{name: "403 forbidden", err: apierrors.NewForbidden(crdResource, "x", errors.New("rbac")), want: denied},
		{name: "408 request timeout", err: generic(408), want: transient},
		{name: "429 too many requests", err: apierrors.NewTooManyRequests("slow down", 1), want: transient},
		{name: "500 internal", err: apierrors.NewInternalError(errors.New("etcdserver: request timed out")), want: transient},
		{name: "500 server timeout", err: apierrors.NewServerTimeout(crdResource, "patch", 2), want: transient},
		{name: "502 bad gateway", err: generic(502), want: transient},
		{name: "503 unavailable", err: apierrors.NewServiceUnavailable("apiserver is shutting down"), want: transient},
		{name: "504 timeout", err: apierrors.NewTimeoutError("request did not complete", 0), want: transient},
		{name: "wrapped 503", err: fmt.Errorf("apply CRD x: %w", apierrors.NewServiceUnavailable("starting")), want: transient},
		{name: "wrapped 404", err: fmt.Errorf("apply CRD x: %w", apierrors.NewNotFound(crdResource, "x")), want: permanent},

		// Failures of the connection.
		{name: "connection refused", err: dialError(syscall.ECONNREFUSED), want: transient},
		{name: "connection reset", err: dialError(syscall.ECONNRESET), want: transient},
		{name: "host unreachable", err: dialError(syscall.EHOSTUNREACH), want: transient},
		{name: "EOF", err: urlError(io.EOF), want: transient},
		{name: "unexpected EOF", err: fmt.Errorf("read body: %w", io.ErrUnexpectedEOF), want: transient},
		{name: "GOAWAY", err: urlError(errors.New("http2: server sent GOAWAY and closed the connection")), want: transient},
		{name: "DNS", err: urlError(&net.OpError{Op: "dial", Err: dnsError}), want: transient},
		{name: "TLS handshake timeout", err: urlError(netTimeout{}), want: transient},
		{name: "attempt deadline", err: urlError(context.DeadlineExceeded), want: transient},

		// Failures waiting does not cure.
		{name: "cancelled", err: urlError(context.Canceled), want: permanent},
		{name: "untrusted certificate", err: urlError(x509.UnknownAuthorityError{}), want: permanent},
		{name: "plain error", err: errors.New("decode response: invalid character"), want: permanent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify(tc.err); got != tc.want {
				t.Errorf("classify(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
