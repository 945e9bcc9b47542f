package controlplane

import (
	"fmt"
	"os"
	"testing"
)

// Main is the body of a test package's TestMain: it starts one control plane
// for the whole package, configured by opts, stores it in *cp, runs the
// tests and stops it. It returns the exit code for os.Exit.
func Main(m *testing.M, cp **ControlPlane, opts ...Option) int {
	started, err := Start(opts...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "control plane: %v\n", err)
		return 1
	}
	*cp = started

	code := m.Run()

	if err := started.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "stop control plane: %v\n", err)
	}
	return code
}
