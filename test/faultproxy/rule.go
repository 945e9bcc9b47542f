package faultproxy

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// Match selects requests. An empty field matches any request.
type Match struct {
	// Method is the HTTP method, such as PATCH.
	Method string
	// PathPrefix is the start of the URL path, such as
	// /apis/apiextensions.k8s.io/v1/customresourcedefinitions.
	PathPrefix string
	// Query is a part of the raw query, such as watch=true.
	Query string
}

func (m Match) matches(method, path, query string) bool {
	return (m.Method == "" || strings.EqualFold(m.Method, method)) &&
		strings.HasPrefix(path, m.PathPrefix) &&
		strings.Contains(query, m.Query)
}

// Rule is one fault of the HTTP proxy: which requests it hits, how many and
// for how long, and what they get instead of the upstream's answer.
type Rule struct {
	// Match selects the requests the rule may hit.
	Match Match
	// Status is the code answered instead of forwarding, with a
	// Kubernetes Status body as the API server sends. Ignored with Stall.
	Status int
	// RetryAfter, when positive, is sent in whole seconds as the
	// Retry-After header and in the Status details.
	RetryAfter time.Duration
	// Message is the Status message; by default it names the request.
	Message string
	// Stall holds each request hit, answering nothing, until the client
	// gives up or the proxy closes (at most maxHold).
	Stall bool
	// Skip lets the first Skip matching requests through before the rule
	// starts hitting.
	Skip int
	// Times is how many requests the rule hits; zero for no limit.
	Times int
	// For is how long the rule hits, from its first hit; zero for no
	// limit.
	For time.Duration
}

// Fault is a rule in force on an HTTP proxy, and what it has done.
type Fault struct {
	rule Rule

	mu    sync.Mutex
	seen  int // matching requests
	hits  int
	first time.Time
	last  time.Time
}

// Hits is how many requests the fault has hit.
func (f *Fault) Hits() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits
}

// FirstHit is when the fault first hit; zero before.
func (f *Fault) FirstHit() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.first
}

// LastHit is when the fault last hit; zero before.
func (f *Fault) LastHit() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// take reports whether the fault hits a request, counting it when it does.
func (f *Fault) take(method, path, query string, now time.Time) bool {
	if !f.rule.Match.matches(method, path, query) {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen++
	switch {
	case f.seen <= f.rule.Skip:
		return false
	case f.rule.Times > 0 && f.hits >= f.rule.Times:
		return false
	case f.rule.For > 0 && !f.first.IsZero() && now.Sub(f.first) >= f.rule.For:
		return false
	}
	f.hits++
	if f.first.IsZero() {
		f.first = now
	}
	f.last = now
	return true
}

// Request is one request the HTTP proxy saw.
type Request struct {
	Method string
	Path   string
	Query  string
	// Faulted tells that a rule hit it rather than the upstream answering.
	Faulted bool
	At      time.Time
}

// maxRecorded bounds the requests an HTTP proxy remembers; a test run sends
// a few hundred.
const maxRecorded = 10000

// recorder keeps the requests an HTTP proxy saw, up to maxRecorded.
type recorder struct {
	mu   sync.Mutex
	seen []Request
}

func (r *recorder) add(req Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.seen) < maxRecorded {
		r.seen = append(r.seen, req)
	}
}

func (r *recorder) matching(m Match) []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Request
	for _, req := range r.seen {
		if m.matches(req.Method, req.Path, req.Query) {
			out = append(out, req)
		}
	}
	return out
}

// requestKey returns the parts of a request that Match compares.
func requestKey(r *http.Request) (method, path, query string) {
	return r.Method, r.URL.Path, r.URL.RawQuery
}
