package faultproxy

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Mode is what the TCP proxy does with connections.
type Mode int

const (
	// Pass forwards bytes both ways.
	Pass Mode = iota
	// Refuse closes the listener, so that connecting fails with "connection
	// refused", and closes the open connections, as a server that went down
	// does.
	Refuse
	// Reset accepts connections and resets them at once, and resets the
	// open ones.
	Reset
	// Stall accepts connections and forwards no byte on any connection, new
	// or open, until the mode changes; then the bytes held flow on.
	Stall
)

func (m Mode) String() string {
	switch m {
	case Pass:
		return "pass"
	case Refuse:
		return "refuse"
	case Reset:
		return "reset"
	case Stall:
		return "stall"
	default:
		return fmt.Sprintf("mode(%d)", int(m))
	}
}

// Bounds of the TCP proxy's waits.
const (
	// dialTimeout bounds connecting to the upstream.
	dialTimeout = 5 * time.Second
	// relistenAttempts and relistenPause bound the wait for the proxy's
	// port to be free again when Refuse ends: the old listener's socket may
	// take a moment to go.
	relistenAttempts = 50
	relistenPause    = 20 * time.Millisecond
	// closeTimeout bounds Close's wait for the proxy's goroutines.
	closeTimeout = 5 * time.Second
)

// ErrClosed is returned by the methods of a proxy that was closed.
var ErrClosed = errors.New("faultproxy: closed")

// TCP forwards connections from its address to an upstream address, failing
// them as its Mode says. It starts in Pass.
type TCP struct {
	upstream string
	addr     string // the listening address, kept across Refuse
	gate     *gate
	wg       sync.WaitGroup // accept loops and links

	mu       sync.Mutex
	mode     Mode
	ln       net.Listener // nil while refusing and once closed
	links    map[*link]struct{}
	accepted int
	held     int
	closed   bool
}

// NewTCP starts a TCP proxy on a free port of 127.0.0.1 in front of
// upstream ("host:port").
func NewTCP(upstream string) (*TCP, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	p := &TCP{
		upstream: upstream,
		addr:     ln.Addr().String(),
		gate:     newGate(),
		ln:       ln,
		links:    map[*link]struct{}{},
	}
	p.startAccepting(ln)
	return p, nil
}

// Addr is the proxy's "127.0.0.1:port"; it stays the same across modes.
func (p *TCP) Addr() string { return p.addr }

// URL is the proxy's address as an https URL, for a client that speaks TLS
// to the upstream through it.
func (p *TCP) URL() string { return "https://" + p.addr }

// Accepted is how many connections the proxy has accepted.
func (p *TCP) Accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

// Held is how many connections were accepted while stalling.
func (p *TCP) Held() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held
}

// SetMode switches the proxy to m; it applies to open connections too.
func (p *TCP) SetMode(m Mode) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	p.mode = m
	p.gate.set(m != Stall)

	switch m {
	case Refuse:
		if p.ln != nil {
			_ = p.ln.Close()
			p.ln = nil
		}
		p.closeLinks(false)
		return nil
	case Reset:
		p.closeLinks(true)
	}
	return p.relisten()
}

// Close stops the proxy and closes every connection.
func (p *TCP) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	p.closeLinks(false)
	p.mu.Unlock()
	return waitGroup(&p.wg, closeTimeout)
}

// relisten listens on the proxy's address again after Refuse. Callers hold
// p.mu.
func (p *TCP) relisten() error {
	if p.ln != nil {
		return nil
	}
	var err error
	for range relistenAttempts {
		var ln net.Listener
		ln, err = net.Listen("tcp", p.addr)
		if err == nil {
			p.ln = ln
			p.startAccepting(ln)
			return nil
		}
		time.Sleep(relistenPause)
	}
	return fmt.Errorf("listen again on %s: %w", p.addr, err)
}

func (p *TCP) startAccepting(ln net.Listener) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.accept(ln)
	}()
}

// accept serves ln until it is closed (by Refuse or Close).
func (p *TCP) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		p.admit(c)
	}
}

// admit resets c in Reset mode, else starts forwarding it.
func (p *TCP) admit(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.mode == Reset {
		resetConn(c)
		_ = c.Close()
		return
	}
	p.accepted++
	if p.mode == Stall {
		p.held++
	}
	l := newLink(c)
	p.links[l] = struct{}{}
	p.wg.Add(1)
	go p.serve(l)
}

// serve dials the upstream and forwards both ways until either side ends.
func (p *TCP) serve(l *link) {
	defer p.wg.Done()
	defer p.forget(l)
	defer l.close(false)

	server, err := net.DialTimeout("tcp", p.upstream, dialTimeout)
	if err != nil {
		return
	}
	if !l.attach(server) {
		_ = server.Close()
		return
	}

	var both sync.WaitGroup
	both.Add(2)
	go func() {
		defer both.Done()
		defer l.close(false)
		l.pipe(server, l.client, p.gate)
	}()
	go func() {
		defer both.Done()
		defer l.close(false)
		l.pipe(l.client, server, p.gate)
	}()
	both.Wait()
}

func (p *TCP) forget(l *link) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.links, l)
}

// closeLinks closes every open link. Callers hold p.mu.
func (p *TCP) closeLinks(reset bool) {
	for l := range p.links {
		l.close(reset)
	}
}

// waitGroup waits for wg, at most timeout.
func waitGroup(wg *sync.WaitGroup, timeout time.Duration) error {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("faultproxy: goroutines still running after %s", timeout)
	}
}
