// Command localcp starts a throwaway local Kubernetes control plane (etcd and
// kube-apiserver from the test tools), runs one command against it with
// KUBECONFIG set, and tears the control plane down again.
//
// usage: go run ./test/cmd/localcp [-keep] -- COMMAND [ARGS...]
//
// The control plane's kubectl is first on the command's PATH. With -keep,
// the control plane stays up after the command until interrupted, and the
// kubeconfig path is printed so that other shells can use it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/flomesh-io/init-osm-bootstrap/test/controlplane"
)

func main() {
	os.Exit(run())
}

func run() int {
	keep := flag.Bool("keep", false, "keep the control plane running after the command, until interrupted")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: localcp [-keep] -- COMMAND [ARGS...]")
		return 3
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	fmt.Fprintln(os.Stderr, "localcp: starting a throwaway control plane")
	cp, err := controlplane.Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "localcp: %v\n", err)
		return 1
	}
	defer func() {
		if err := cp.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "localcp: stop: %v\n", err)
		}
	}()
	fmt.Fprintf(os.Stderr, "localcp: API server at %s, KUBECONFIG=%s\n", cp.Config.Host, cp.Kubeconfig)

	cmd := exec.CommandContext(ctx, flag.Arg(0), flag.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(),
		"KUBECONFIG="+cp.Kubeconfig,
		"PATH="+cp.Assets+string(os.PathListSeparator)+os.Getenv("PATH"))
	code := 0
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			fmt.Fprintf(os.Stderr, "localcp: run %s: %v\n", flag.Arg(0), err)
			return 1
		}
		code = exit.ExitCode()
	}

	if *keep && ctx.Err() == nil {
		fmt.Fprintf(os.Stderr, "localcp: control plane kept up; KUBECONFIG=%s; Ctrl-C stops it\n", cp.Kubeconfig)
		<-ctx.Done()
	}
	return code
}
