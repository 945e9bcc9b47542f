package kube

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// errorClass says what Retry does with an attempt's error.
type errorClass int

const (
	// permanent errors end Retry at once: the request itself is wrong
	// (400, 422), the object is missing (404) or changed under the caller
	// (409), or the failure is not one that waiting cures (a TLS
	// certificate the client does not trust).
	permanent errorClass = iota
	// transient errors are retried until the context is done: the server
	// is not reachable, not ready, overloaded or slow.
	transient
	// denied errors (401, 403) are retried only for Backoff.AuthWindow.
	denied
)

func (c errorClass) String() string {
	switch c {
	case transient:
		return "transient"
	case denied:
		return "denied"
	default:
		return "permanent"
	}
}

// classify sorts an attempt's error. A context deadline counts as transient
// because the loop checks its own context first: a deadline seen here is
// that of a single attempt.
func classify(err error) errorClass {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return classifyStatus(err, status.Status().Code)
	}
	if errors.Is(err, context.DeadlineExceeded) || isConnectionError(err) {
		return transient
	}
	return permanent
}

// classifyStatus sorts an error the API server (or a proxy in front of it)
// answered. The apierrors helpers match on the reason as well as the code,
// for statuses decoded without one.
func classifyStatus(err error, code int32) errorClass {
	switch {
	case apierrors.IsUnauthorized(err), apierrors.IsForbidden(err):
		return denied
	case apierrors.IsTooManyRequests(err),
		apierrors.IsTimeout(err),
		apierrors.IsServerTimeout(err),
		apierrors.IsInternalError(err),
		apierrors.IsServiceUnavailable(err),
		code == http.StatusRequestTimeout,
		code >= http.StatusInternalServerError && code < 600:
		return transient
	default:
		return permanent
	}
}

// connectionErrnos are the socket errors of a server that is down,
// restarting or not yet routable.
var connectionErrnos = []syscall.Errno{
	syscall.ECONNREFUSED,
	syscall.ECONNRESET,
	syscall.ECONNABORTED,
	syscall.EPIPE,
	syscall.EHOSTUNREACH,
	syscall.ENETUNREACH,
}

// isConnectionError reports a failure to reach the server or a connection
// it dropped: refused, reset, closed early (EOF, GOAWAY), a name that does
// not resolve yet, or any network timeout (dial, TLS handshake, response
// headers).
func isConnectionError(err error) bool {
	for _, errno := range connectionErrnos {
		if errors.Is(err, errno) {
			return true
		}
	}
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &dnsErr):
		return true
	case utilnet.IsTimeout(err), utilnet.IsProbableEOF(err), utilnet.IsHTTP2ConnectionLost(err):
		return true
	default:
		return false
	}
}
