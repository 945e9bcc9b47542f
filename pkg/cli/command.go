package cli

import (
	"io"

	"github.com/spf13/cobra"
)

// NewRootCommand returns the init-osm-bootstrap command tree, every command
// and flag as Run builds them, with output discarded. It is for tools that
// render the help (hack/cmddocs) and executes nothing. Cobra's own help and
// completion commands are not in it: cobra adds them only when it executes a
// command line.
func NewRootCommand() *cobra.Command {
	return newRootCommand(io.Discard, io.Discard)
}
