package conversion

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/certs"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// benchServerEnv tells the test binary that it is a server child of
// BenchmarkServerVsControllerRuntime. Its value is "<server>:<cert dir>",
// the server being oursServer or peerServer.
const benchServerEnv = "CONVERSION_BENCH_SERVER"

// The servers a child can run.
const (
	oursServer = "ours"
	peerServer = "cr"
)

// TestBenchServerChild is the server side of
// BenchmarkServerVsControllerRuntime, run in a child process that the
// benchmark starts: it serves one server with the certificate in the
// directory benchServerEnv names, prints the address as one line on stdout
// and serves until stdin closes or it is killed. A server that stops by
// itself fails it. It skips when benchServerEnv is not set, as in any
// ordinary test run.
func TestBenchServerChild(t *testing.T) {
	spec := os.Getenv(benchServerEnv)
	if spec == "" {
		t.Skip("a server child of BenchmarkServerVsControllerRuntime only")
	}
	server, dir, _ := strings.Cut(spec, ":")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var addr string
	var done <-chan error
	switch server {
	case oursServer:
		addr, done = startOurServer(ctx, t, dir)
	case peerServer:
		addr, done = startPeerServer(ctx, t, dir)
	default:
		t.Fatalf("%s=%q: unknown server %q", benchServerEnv, spec, server)
	}
	if _, err := fmt.Println(addr); err != nil {
		t.Fatal(err)
	}

	// The parent holds stdin open for as long as it needs the server; a
	// read error ends the child as EOF does.
	released := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(released)
	}()
	select {
	case err := <-done:
		t.Fatalf("%s server stopped: %v", server, err)
	case <-released:
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// startOurServer serves this package's webhook on a loopback port until
// ctx ends, and returns its address and the channel of Serve's error.
func startOurServer(ctx context.Context, t testing.TB, dir string) (string, <-chan error) {
	t.Helper()
	metrics := NewMetrics()
	source := NewFileCertSource(filepath.Join(dir, certs.TLSCertKey), filepath.Join(dir, certs.TLSKeyKey), metrics, nil)
	srv := NewServer(ServerOptions{}, testRegistry(t), source, metrics)
	tl, hl := benchListen(t), benchListen(t)
	done := make(chan error, 1)
	go func() { done <- srv.serve(ctx, tl, hl) }()
	return tl.Addr().String(), done
}

// startPeerServer serves controller-runtime's webhook server, with its
// conversion handler at the paths of the peerCases' CRDs, on a free
// loopback port until ctx ends, and returns its address and the channel of
// Start's error. It builds none of this package's registry, so that its
// memory is controller-runtime's alone.
func startPeerServer(ctx context.Context, t testing.TB, dir string) (string, <-chan error) {
	t.Helper()
	logf.SetLogger(logr.Discard())
	l := benchListen(t)
	port := l.Addr().(*net.TCPAddr).Port
	// controller-runtime opens the port itself.
	_ = l.Close()
	srv := webhook.NewServer(webhook.Options{Host: "127.0.0.1", Port: port, CertDir: dir})
	handler := newPeerHandler()
	for _, name := range peerCRDs() {
		srv.Register(crds.ConvertPath(name), handler)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Start(ctx) }()
	return l.Addr().String(), done
}

// peerCRDs returns the CRDs of the peerCases, each once: controller-runtime
// refuses a path registered twice.
func peerCRDs() []string {
	var names []string
	for _, c := range peerCases {
		names = append(names, c.crd)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func benchListen(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// serverChild is a server of BenchmarkServerVsControllerRuntime running in
// a child process.
type serverChild struct {
	server string
	addr   string
	cmd    *exec.Cmd
	// stderr and stdout are read only once exited is closed: cmd.Wait
	// and the reader of stdout have then finished writing them.
	stderr, stdout bytes.Buffer
	// exited is closed once cmd.Wait returned waitErr.
	exited  chan struct{}
	waitErr error
	// reported is set once b failed with the child's output.
	reported bool
	// startRSS is the peak RSS once the child is serving, before any load:
	// what its start cost.
	startRSS float64
}

// startServerChild runs the test binary again as the server child of
// server, serving the certificate in dir, and waits for its address. It
// kills the child in b.Cleanup, and fails b with the child's stderr and
// stdout (where the testing package writes its failures) when the child
// prints no address, dies early or writes to stderr.
func startServerChild(b *testing.B, server, dir string) *serverChild {
	b.Helper()
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestBenchServerChild$")
	cmd.Env = append(os.Environ(), benchServerEnv+"="+server+":"+dir)
	c := &serverChild{server: server, cmd: cmd, exited: make(chan struct{})}
	cmd.Stderr = &c.stderr
	// The pipe stays open, unwritten, until the child is killed.
	if _, err := cmd.StdinPipe(); err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatalf("start the %s server child: %v", server, err)
	}
	b.Cleanup(func() { c.stop(b) })

	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lines <- line
		c.stdout.WriteString(line)
		// Wait closes stdout, so it runs only once stdout is read to EOF.
		_, _ = io.Copy(&c.stdout, r)
		c.waitErr = cmd.Wait()
		close(c.exited)
	}()
	select {
	case line := <-lines:
		c.addr = strings.TrimSpace(line)
	case <-time.After(serverStartTimeout):
	}
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		c.fail(b, "printed no address")
	}
	c.startRSS = c.peakRSS(b)
	return c
}

// peakRSS returns the child's peak resident set size in bytes: VmHWM in
// /proc/<pid>/status.
func (c *serverChild) peakRSS(b *testing.B) float64 {
	b.Helper()
	select {
	case <-c.exited:
		c.fail(b, "exited before its peak RSS was read")
	default:
	}
	kB, err := readPeakRSS(c.cmd.Process.Pid)
	if err != nil {
		b.Fatalf("%s server child: %v", c.server, err)
	}
	return float64(kB) * 1024
}

func readPeakRSS(pid int) (int64, error) {
	file := "/proc/" + strconv.Itoa(pid) + "/status"
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(data)) {
		rest, ok := strings.CutPrefix(line, "VmHWM:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("%s: VmHWM is %q, want a size in kB", file, strings.TrimSpace(rest))
		}
		kB, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: VmHWM: %w", file, err)
		}
		return kB, nil
	}
	return 0, errors.New(file + ": no VmHWM line")
}

// fail kills the child, if it still runs, and fails b with its output.
func (c *serverChild) fail(b *testing.B, what string) {
	b.Helper()
	c.kill()
	c.reported = true
	b.Fatalf("%s server child %s (%v)%s", c.server, what, c.waitErr, c.output())
}

// stop kills the child. A child that died by itself, or wrote to stderr,
// fails b.
func (c *serverChild) stop(b *testing.B) {
	b.Helper()
	if c.reported {
		return
	}
	select {
	case <-c.exited:
		b.Errorf("%s server child died (%v)%s", c.server, c.waitErr, c.output())
		return
	default:
	}
	c.kill()
	if c.stderr.Len() > 0 {
		b.Errorf("%s server child wrote to stderr:\n%s", c.server, c.stderr.String())
	}
}

func (c *serverChild) kill() {
	// A child that exited already has nothing to kill.
	_ = c.cmd.Process.Kill()
	<-c.exited
}

// output returns what the child wrote, for a failure message.
func (c *serverChild) output() string {
	return "\nstderr:\n" + c.stderr.String() + "\nstdout:\n" + c.stdout.String()
}
