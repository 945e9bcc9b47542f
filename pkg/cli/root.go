// Package cli builds the init-osm-bootstrap command line: one file per
// command, flags filled into option structs and validated before any work.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes, as ../shared/CONTRACT.md fixes them.
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitNeedsAction = 2
	ExitUsage       = 3
	ExitInterrupted = 130
)

// usageError marks an error in the command line (unknown flag, invalid
// value), which exits with ExitUsage.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// errInterrupted is returned when SIGINT or SIGTERM stopped a command before
// it finished.
var errInterrupted = errors.New("interrupted")

// Run executes the command line args and returns the process exit code.
// SIGINT and SIGTERM cancel the command's context.
func Run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	root := newRootCommand(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w: %w", errInterrupted, err)
	}
	if err != nil {
		fmt.Fprintf(stderr, "init-osm-bootstrap: %v\n", err)
	}
	return exitCode(err)
}

func exitCode(err error) int {
	var usage usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errInterrupted):
		return ExitInterrupted
	case errors.As(err, &usage):
		return ExitUsage
	case errors.Is(err, errNeedsAttention):
		return ExitNeedsAction
	default:
		return ExitFailed
	}
}

func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "init-osm-bootstrap",
		Short: "Install, upgrade and convert the osm-edge CRDs",
		Long: "init-osm-bootstrap carries every osm-edge CRD and brings a cluster's " +
			"CRDs to that bundle safely, and serves the conversion webhook that keeps " +
			"custom resources of every version readable.",
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          unknownCommand,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })

	// The bare command is apply: the init container runs it without arguments.
	apply := newApplyCommand()
	root.RunE = apply.RunE
	root.Flags().AddFlagSet(apply.Flags())

	root.AddCommand(apply, newPlanCommand(), newVersionCommand(), newWebhookCommand(), newMigrateCommand())
	return root
}

// unknownCommand refuses a positional argument of the root command: it can
// only be a misspelt command.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())}
	}
	return nil
}
