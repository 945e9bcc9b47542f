// Command bench measures `init-osm-bootstrap apply` and `migrate` against
// kubectl on the same throwaway API server in one run, and prints the
// ratios the apply and storage migration issues set as goals, with the peak
// memory of each command.
//
// usage: go run ./test/cmd/bench -bin bin/init-osm-bootstrap [-runs 5] [-only apply|migrate]
//
// Each apply case runs -runs times; the median wall time counts. "fresh"
// starts from a cluster without CRDs; "unchanged" from one that holds the
// bundle. The migrate benchmark (migrate.go) then times the storage
// migration against kubectl get | kubectl replace, once per round.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"

	"github.com/flomesh-io/init-osm-bootstrap/test/controlplane"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// benchTimeout bounds the whole benchmark.
const benchTimeout = 15 * time.Minute

// The benchmarks -only selects; by default both run.
const (
	onlyApply   = "apply"
	onlyMigrate = "migrate"
)

// sample is one timed run of a command.
type sample struct {
	wall    time.Duration
	maxRSSK int64
}

// peer is one command measured.
type peer struct {
	name string
	argv func(kubeconfig string) [][]string // the commands run in sequence
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	bin := flag.String("bin", "bin/init-osm-bootstrap", "the binary under test")
	runs := flag.Int("runs", 5, "runs per apply case")
	only := flag.String("only", "", "run one benchmark only: apply or migrate; default both")
	flag.Parse()
	if *only != "" && *only != onlyApply && *only != onlyMigrate {
		return fmt.Errorf("invalid -only %q: want %s or %s", *only, onlyApply, onlyMigrate)
	}
	ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
	defer cancel()

	cp, err := controlplane.Start()
	if err != nil {
		return err
	}
	defer func() { _ = cp.Stop() }()
	if _, err := cp.Kubectl(ctx, "create", "namespace", "osm-system"); err != nil {
		return err
	}
	if *only != onlyMigrate {
		if err := benchApply(ctx, cp, *bin, *runs); err != nil {
			return err
		}
	}
	if *only != onlyApply {
		return benchMigrate(ctx, cp, *bin)
	}
	return nil
}

// benchApply measures apply against kubectl apply in the fresh and the
// unchanged case and prints the table.
func benchApply(ctx context.Context, cp *controlplane.ControlPlane, bin string, runs int) error {
	manifests := filepath.Join(framework.RepoRoot(), "manifests", "crds")
	kubectl := filepath.Join(cp.Assets, "kubectl")
	peers := []peer{
		{name: "init-osm-bootstrap apply", argv: func(kc string) [][]string {
			return [][]string{{bin, "apply", "--kubeconfig", kc, "--namespace", "osm-system",
				"--webhook-url", "https://127.0.0.1:9443", "--log-format", "json"}}
		}},
		{name: "kubectl apply --server-side", argv: func(kc string) [][]string {
			return [][]string{{kubectl, "--kubeconfig", kc, "apply", "--server-side", "--force-conflicts", "-f", manifests}}
		}},
		{name: "kubectl apply + wait", argv: func(kc string) [][]string {
			return [][]string{
				{kubectl, "--kubeconfig", kc, "apply", "--server-side", "--force-conflicts", "-f", manifests},
				{kubectl, "--kubeconfig", kc, "wait", "--for", "condition=Established", "-f", manifests},
			}
		}},
	}

	results := map[string]map[string]sample{}
	for _, c := range []string{"fresh", "unchanged"} {
		results[c] = map[string]sample{}
		for _, p := range peers {
			s, err := measure(ctx, cp, p, c, runs)
			if err != nil {
				return fmt.Errorf("%s %s: %w", p.name, c, err)
			}
			results[c][p.name] = s
		}
	}
	report(results, peers)
	return nil
}

// measure runs a peer runs times in a case and returns the median wall time
// and the largest peak memory.
func measure(ctx context.Context, cp *controlplane.ControlPlane, p peer, kase string, runs int) (sample, error) {
	var walls []time.Duration
	var peak int64
	for i := 0; i < runs; i++ {
		if err := prepare(ctx, cp, p, kase); err != nil {
			return sample{}, err
		}
		var wall time.Duration
		for _, argv := range p.argv(cp.Kubeconfig) {
			s, err := timed(ctx, argv)
			if err != nil {
				return sample{}, err
			}
			wall += s.wall
			peak = max(peak, s.maxRSSK)
		}
		walls = append(walls, wall)
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	return sample{wall: walls[len(walls)/2], maxRSSK: peak}, nil
}

// prepare empties the cluster; for "unchanged" the peer then installs the
// bundle once, so that the measured run finds it as that peer left it.
func prepare(ctx context.Context, cp *controlplane.ControlPlane, p peer, kase string) error {
	if err := framework.DeleteAllCRDs(ctx, cp.Config); err != nil {
		return err
	}
	if kase == "fresh" {
		return nil
	}
	for _, argv := range p.argv(cp.Kubeconfig) {
		if _, err := timed(ctx, argv); err != nil {
			return err
		}
	}
	return nil
}

func timed(ctx context.Context, argv []string) (sample, error) {
	s, _, err := timedOutput(ctx, argv)
	return s, err
}

// timedOutput is timed that also returns the command's last output.
func timedOutput(ctx context.Context, argv []string) (sample, string, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	out := &limitedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return sample{}, "", fmt.Errorf("%s: %w\n%s", argv[0], err, out.String())
		}
		return sample{}, "", err
	}
	return sample{wall: wall, maxRSSK: maxRSS(cmd)}, out.String(), nil
}

func report(results map[string]map[string]sample, peers []peer) {
	ours := peers[0].name
	fmt.Printf("%-10s %-30s %10s %10s %12s\n", "case", "command", "median", "ratio", "peak RSS")
	for _, c := range []string{"fresh", "unchanged"} {
		for _, p := range peers {
			s := results[c][p.name]
			ratio := float64(results[c][ours].wall) / float64(s.wall)
			label := fmt.Sprintf("%.2fx", ratio)
			if p.name == ours {
				label = "-"
			}
			fmt.Printf("%-10s %-30s %10s %10s %9.1f MiB\n", c, p.name, s.wall.Round(time.Millisecond), label, float64(s.maxRSSK)/1024)
		}
	}
	fmt.Println("ratio: init-osm-bootstrap's median wall time divided by the peer's (goals: vs kubectl apply <= 0.5x fresh, <= 0.3x unchanged;")
	fmt.Println("vs kubectl apply + wait <= 0.10x fresh, <= 0.06x unchanged; peak memory of init-osm-bootstrap < 64 MiB)")
}

// limitedBuffer keeps the last output of a command for error messages.
type limitedBuffer struct{ data []byte }

const outputLimit = 16 << 10

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.data = append(b.data, p...)
	if len(b.data) > outputLimit {
		b.data = b.data[len(b.data)-outputLimit:]
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string { return string(b.data) }
