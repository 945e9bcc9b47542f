// Command demo tells the upgrade story on a throwaway control plane: a
// cluster that osm-edge v1.1.3 installed, with custom resources written in
// the versions of that time, is upgraded by init-osm-bootstrap, read back in
// every served version through the conversion webhook, and migrated to the
// new storage versions. Every step prints what it does and checks what it
// claims; the first mismatch stops the demo with exit code 1.
//
// `make demo` runs it under test/cmd/localcp, which sets KUBECONFIG and puts
// the control plane's kubectl first on PATH.
//
// usage: demo -bin bin/init-osm-bootstrap
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// demoTimeout bounds the whole story; it takes well under a minute.
const demoTimeout = 5 * time.Minute

func main() {
	bin := flag.String("bin", "bin/init-osm-bootstrap", "the init-osm-bootstrap binary")
	root := flag.String("root", ".", "the repository root (for test/testdata)")
	webhookPort := flag.String("webhook-port", "9443", "the webhook's HTTPS port on the loopback")
	healthPort := flag.String("health-port", "9091", "the webhook's health port on the loopback")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, demoTimeout)
	defer cancel()

	d, err := newDemo(*bin, *root, *webhookPort, *healthPort)
	if err == nil {
		err = d.run(ctx)
	}
	d.close()
	if err != nil {
		fmt.Fprintf(os.Stderr, "\n%sdemo failed: %v%s\n", red, err, reset)
		os.Exit(1)
	}
	fmt.Printf("\n%sdemo passed: every check held%s\n", bold, reset)
}
