package faultproxy

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// writeStatus answers r with rule's status, shaped as the API server's own
// failures are: a v1 Status body with the reason client-go classifies by,
// and Retry-After in the header and the details.
func writeStatus(w http.ResponseWriter, r *http.Request, rule Rule) {
	msg := rule.Message
	if msg == "" {
		msg = fmt.Sprintf("faultproxy: %d for %s %s", rule.Status, r.Method, r.URL.Path)
	}
	st := metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Message:  msg,
		Reason:   reasonFor(rule.Status),
		Code:     int32(rule.Status),
	}

	seconds := int(rule.RetryAfter.Seconds())
	if seconds > 0 {
		st.Details = &metav1.StatusDetails{RetryAfterSeconds: int32(seconds)}
		w.Header().Set("Retry-After", strconv.Itoa(seconds))
	}
	body, err := json.Marshal(st)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rule.Status)
	_, _ = w.Write(body)
}

// reasonFor is the Status reason the API server sends with code.
func reasonFor(code int) metav1.StatusReason {
	switch code {
	case http.StatusUnauthorized:
		return metav1.StatusReasonUnauthorized
	case http.StatusForbidden:
		return metav1.StatusReasonForbidden
	case http.StatusTooManyRequests:
		return metav1.StatusReasonTooManyRequests
	case http.StatusInternalServerError:
		return metav1.StatusReasonInternalError
	case http.StatusServiceUnavailable:
		return metav1.StatusReasonServiceUnavailable
	case http.StatusGatewayTimeout:
		return metav1.StatusReasonTimeout
	default:
		return metav1.StatusReasonUnknown
	}
}
