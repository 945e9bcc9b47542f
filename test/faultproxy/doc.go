// Package faultproxy stands between a test's client and its API server and
// fails on demand, so that tests can watch a program ride out a server that
// refuses connections, hangs, throttles or denies.
//
// Two proxies, both listening on 127.0.0.1 only:
//
//   - TCP forwards bytes untouched and can refuse, reset or stall
//     connections (see Mode); the client keeps talking TLS to the API
//     server itself.
//   - HTTP terminates TLS with a certificate of its own, so it sees each
//     request; it answers the ones a Rule matches with an injected status
//     (429, 503, 403...) or holds them, and forwards the others with the
//     upstream config's credentials.
//
// Every proxy stops with Close, which a test registers with t.Cleanup.
package faultproxy
