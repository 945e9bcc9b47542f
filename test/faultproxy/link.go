package faultproxy

import (
	"net"
	"sync"
)

// copyBufferSize is the chunk one read takes from a connection; at most one
// chunk per direction waits at a closed gate.
const copyBufferSize = 32 << 10

// gate lets bytes through while open. The TCP proxy shuts it to stall every
// connection at once and opens it to let them go on where they stopped.
type gate struct {
	mu   sync.Mutex
	open chan struct{} // closed while the gate is open
}

func newGate() *gate {
	g := &gate{open: make(chan struct{})}
	close(g.open)
	return g
}

// set opens or shuts the gate.
func (g *gate) set(open bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	isOpen := isClosed(g.open)
	switch {
	case open && !isOpen:
		close(g.open)
	case !open && isOpen:
		g.open = make(chan struct{})
	}
}

// wait blocks while the gate is shut, reporting false when stop ended the
// wait first.
func (g *gate) wait(stop <-chan struct{}) bool {
	g.mu.Lock()
	ch := g.open
	g.mu.Unlock()
	select {
	case <-ch:
		return true
	case <-stop:
		return false
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// link is one client connection and, once dialled, its upstream one.
type link struct {
	client net.Conn
	done   chan struct{} // closed when the link is closed
	once   sync.Once

	mu     sync.Mutex
	server net.Conn
}

func newLink(client net.Conn) *link {
	return &link{client: client, done: make(chan struct{})}
}

// attach records the upstream connection, reporting false when the link
// was closed meanwhile; the caller then closes server.
func (l *link) attach(server net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if isClosed(l.done) {
		return false
	}
	l.server = server
	return true
}

// close closes both connections; with reset, the client's is reset (RST)
// rather than closed in order (FIN). Only the first call acts.
func (l *link) close(reset bool) {
	l.once.Do(func() {
		l.mu.Lock()
		close(l.done)
		server := l.server
		l.mu.Unlock()

		if reset {
			resetConn(l.client)
		}
		_ = l.client.Close()
		if server != nil {
			_ = server.Close()
		}
	})
}

// pipe copies src to dst, waiting at g before each write, until either
// connection fails or the link closes.
func (l *link) pipe(dst, src net.Conn, g *gate) {
	buf := make([]byte, copyBufferSize)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !g.wait(l.done) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// resetConn makes the next Close send a reset, as a server that dropped
// the connection's state does.
func resetConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
}
