package faultproxy

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// quiet is how long a test waits to be sure that no byte comes.
const quiet = 200 * time.Millisecond

// ioTimeout bounds every read and write a test expects to succeed.
const ioTimeout = 5 * time.Second

// echoServer starts a TCP server that sends back what it reads.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

func newTCP(t *testing.T) *TCP {
	t.Helper()
	p, err := NewTCP(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p
}

func setMode(t *testing.T, p *TCP, m Mode) {
	t.Helper()
	if err := p.SetMode(m); err != nil {
		t.Fatalf("set mode %s: %v", m, err)
	}
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// roundTrip writes msg and returns what comes back within wait.
func roundTrip(c net.Conn, msg string, wait time.Duration) (string, error) {
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	return readWithin(c, len(msg), wait)
}

func readWithin(c net.Conn, n int, wait time.Duration) (string, error) {
	_ = c.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, n)
	got, err := io.ReadFull(c, buf)
	return string(buf[:got]), err
}

func TestTCPModes(t *testing.T) {
	tests := []struct {
		name  string
		mode  Mode
		check func(t *testing.T, p *TCP)
	}{
		{
			name: "pass forwards both ways",
			mode: Pass,
			check: func(t *testing.T, p *TCP) {
				if got, err := roundTrip(dial(t, p.Addr()), "ping", ioTimeout); got != "ping" {
					t.Errorf("echo %q, %v; want ping", got, err)
				}
			},
		},
		{
			name: "refuse makes connecting fail",
			mode: Refuse,
			check: func(t *testing.T, p *TCP) {
				c, err := net.DialTimeout("tcp", p.Addr(), ioTimeout)
				if err == nil {
					_ = c.Close()
				}
				if !errors.Is(err, syscall.ECONNREFUSED) {
					t.Errorf("dial: %v, want connection refused", err)
				}
			},
		},
		{
			name: "reset resets accepted connections",
			mode: Reset,
			check: func(t *testing.T, p *TCP) {
				// On loopback the reset may come before connect returns.
				c, err := net.DialTimeout("tcp", p.Addr(), ioTimeout)
				if err == nil {
					defer c.Close()
					_, err = roundTrip(c, "ping", ioTimeout)
				}
				if !errors.Is(err, syscall.ECONNRESET) {
					t.Errorf("got %v, want connection reset", err)
				}
			},
		},
		{
			name: "stall accepts and forwards nothing",
			mode: Stall,
			check: func(t *testing.T, p *TCP) {
				got, err := roundTrip(dial(t, p.Addr()), "ping", quiet)
				if !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Errorf("read %q, %v; want a timeout", got, err)
				}
				if p.Held() != 1 {
					t.Errorf("held %d connections, want 1", p.Held())
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTCP(t)
			setMode(t, p, tt.mode)
			tt.check(t, p)
		})
	}
}

// TestTCPStallAppliesToOpenConnections stalls a connection in use: its
// bytes wait, and flow on once the proxy passes again.
func TestTCPStallAppliesToOpenConnections(t *testing.T) {
	p := newTCP(t)
	c := dial(t, p.Addr())
	if got, err := roundTrip(c, "one", ioTimeout); got != "one" {
		t.Fatalf("echo %q, %v", got, err)
	}

	setMode(t, p, Stall)
	if got, err := roundTrip(c, "two", quiet); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("stalled connection answered %q, %v", got, err)
	}

	setMode(t, p, Pass)
	if got, err := readWithin(c, len("two"), ioTimeout); got != "two" {
		t.Errorf("after the stall: %q, %v; want the held bytes", got, err)
	}
}

// TestTCPRefuseClosesAndComesBack refuses while a connection is open: it
// is closed, and after Pass the same address accepts again.
func TestTCPRefuseClosesAndComesBack(t *testing.T) {
	p := newTCP(t)
	open := dial(t, p.Addr())
	if got, err := roundTrip(open, "one", ioTimeout); got != "one" {
		t.Fatalf("echo %q, %v", got, err)
	}

	setMode(t, p, Refuse)
	if _, err := readWithin(open, 1, ioTimeout); !errors.Is(err, io.EOF) {
		t.Errorf("open connection read %v after Refuse, want EOF", err)
	}

	setMode(t, p, Pass)
	if got, err := roundTrip(dial(t, p.Addr()), "two", ioTimeout); got != "two" {
		t.Errorf("after Refuse then Pass: %q, %v", got, err)
	}
	if p.Accepted() != 2 {
		t.Errorf("accepted %d connections, want 2", p.Accepted())
	}
}

func TestTCPClosed(t *testing.T) {
	p, err := NewTCP(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, p.Addr())
	if got, err := roundTrip(c, "one", ioTimeout); got != "one" {
		t.Fatalf("echo %q, %v", got, err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := readWithin(c, 1, ioTimeout); !errors.Is(err, io.EOF) {
		t.Errorf("open connection read %v after Close, want EOF", err)
	}
	if err := p.SetMode(Pass); !errors.Is(err, ErrClosed) {
		t.Errorf("SetMode after Close: %v, want ErrClosed", err)
	}
}
