// Package logging builds the zap logger every command writes to stderr, and
// routes client-go's klog output through it.
package logging

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/term"
)

// The values of --log-format.
const (
	// FormatAuto picks FormatJSON when stderr is not a terminal (a container,
	// a pipe, a file) and FormatConsole when a person is reading it.
	FormatAuto    = ""
	FormatJSON    = "json"
	FormatConsole = "console"
)

// levelNames are the accepted values of --log-level, each a zap level name.
// zap's dpanic, panic and fatal are left out: they are not levels an
// operator chooses.
var levelNames = []string{"debug", "info", "warn", "error"}

// New returns a logger writing to stderr in the given format ("json",
// "console", or "" to choose by whether stderr is a terminal) at the given
// level (debug, info, warn or error). Console output is coloured only on a
// terminal. Writes are serialised, so stderr needs no locking of its own.
// New fails only on an invalid format or level; callers report that as bad
// usage.
func New(format, level string, stderr io.Writer) (*zap.Logger, error) {
	lvl, err := ParseLevel(level)
	if err != nil {
		return nil, err
	}
	if err := ValidateFormat(format); err != nil {
		return nil, err
	}

	tty := isTerminal(stderr)
	if format == FormatAuto {
		format = FormatConsole
		if !tty {
			format = FormatJSON
		}
	}

	// Neither caller nor stack traces are added: an operator reads what
	// happened, and errors carry their context in their message.
	core := zapcore.NewCore(newEncoder(format, tty), zapcore.Lock(zapcore.AddSync(stderr)), lvl)
	return zap.New(core), nil
}

// ParseLevel returns the zap level named by a --log-level value.
func ParseLevel(level string) (zapcore.Level, error) {
	if !slices.Contains(levelNames, level) {
		return 0, fmt.Errorf("invalid log level %q: want one of %s", level, Levels())
	}
	return zapcore.ParseLevel(level)
}

// ValidateFormat checks a --log-format value.
func ValidateFormat(format string) error {
	switch format {
	case FormatAuto, FormatJSON, FormatConsole:
		return nil
	default:
		return fmt.Errorf("invalid log format %q: want %s or %s", format, FormatJSON, FormatConsole)
	}
}

// newEncoder returns the encoder of a validated, non-auto format. Both
// formats write ISO 8601 times, which log collectors and people both read.
func newEncoder(format string, tty bool) zapcore.Encoder {
	if format == FormatJSON {
		cfg := zap.NewProductionEncoderConfig()
		cfg.EncodeTime = zapcore.ISO8601TimeEncoder
		cfg.EncodeDuration = zapcore.StringDurationEncoder
		return zapcore.NewJSONEncoder(cfg)
	}

	cfg := zap.NewDevelopmentEncoderConfig()
	cfg.EncodeTime = zapcore.ISO8601TimeEncoder
	cfg.EncodeDuration = zapcore.StringDurationEncoder
	cfg.EncodeLevel = zapcore.CapitalLevelEncoder
	if tty {
		cfg.EncodeLevel = zapcore.CapitalColorLevelEncoder
	}
	return zapcore.NewConsoleEncoder(cfg)
}

// fileDescriptor is what *os.File offers to tell a terminal from a pipe.
type fileDescriptor interface {
	Fd() uintptr
}

// isTerminal reports whether w is a file descriptor open on a terminal. Any
// other writer (a buffer in a test, a pipe) is not.
func isTerminal(w io.Writer) bool {
	f, ok := w.(fileDescriptor)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Levels returns the accepted --log-level values, for flag help texts.
func Levels() string {
	return strings.Join(levelNames, ", ")
}
