package deploy

import (
	"context"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// flagDefault reads the default of a flag of the binary's command from its
// help, so that the manifests are checked against what the binary does,
// not against a copy of its defaults.
func flagDefault(ctx context.Context, t *testing.T, command, flag string) string {
	t.Helper()
	help := flagHelp(ctx, t, command, flag)
	m := regexp.MustCompile(`\(default "?([^")]+)"?\)\s*$`).FindStringSubmatch(help)
	if m == nil {
		t.Fatalf("%s --help shows no default of --%s: %s", command, flag, help)
	}
	return m[1]
}

// flagHelp returns the line of --flag in the help of the binary's command.
func flagHelp(ctx context.Context, t *testing.T, command, flag string) string {
	t.Helper()
	bin, err := framework.Binary()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(ctx, bin, command, "--help").Output()
	if err != nil {
		t.Fatalf("%s --help: %v", command, err)
	}
	line := regexp.MustCompile(`(?m)^\s+(-\w, )?--` + regexp.QuoteMeta(flag) + `\s.*$`).Find(out)
	if line == nil {
		t.Fatalf("%s --help has no --%s:\n%s", command, flag, out)
	}
	return string(line)
}

// argValue returns the value of --flag in args (as --flag=value or
// --flag value), or def when args do not set it.
func argValue(args []string, flag, def string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+flag+"="); ok {
			return v
		}
		if a == "--"+flag && i+1 < len(args) {
			return args[i+1]
		}
	}
	return def
}
