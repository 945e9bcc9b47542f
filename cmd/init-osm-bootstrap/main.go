// Command init-osm-bootstrap installs and upgrades the osm-edge CRDs and
// serves their conversion webhook. See the README for its commands.
package main

import (
	"os"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
}
