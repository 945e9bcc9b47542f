package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/version"
)

func TestRunExitCodes(t *testing.T) {
	cases := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "version", args: []string{"version"}, wantCode: ExitOK, wantStdout: "version: " + version.Version()},
		{name: "unknown flag", args: []string{"version", "--bogus"}, wantCode: ExitUsage, wantStderr: "unknown flag: --bogus"},
		{name: "invalid output", args: []string{"version", "-o", "xml"}, wantCode: ExitUsage, wantStderr: `invalid --output "xml"`},
		{name: "stray argument", args: []string{"version", "extra"}, wantCode: ExitUsage, wantStderr: "takes no arguments"},
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: ExitUsage, wantStderr: `unknown command "frobnicate"`},
		{name: "the bare command is apply", args: []string{"--conversion", "bogus"}, wantCode: ExitUsage, wantStderr: `invalid --conversion "bogus"`},
		{name: "apply: file source without a file", args: []string{"apply", "--ca-bundle-source", "file"}, wantCode: ExitUsage, wantStderr: "needs --ca-bundle-file"},
		{name: "apply: plain http webhook URL", args: []string{"apply", "--webhook-url", "http://127.0.0.1:9443"}, wantCode: ExitUsage, wantStderr: "invalid --webhook-url"},
		{name: "apply: port out of range", args: []string{"apply", "--webhook-port", "0"}, wantCode: ExitUsage, wantStderr: "invalid --webhook-port 0"},
		{name: "apply: bad log level", args: []string{"apply", "--log-level", "loud", "--kubeconfig", "/nonexistent"}, wantCode: ExitUsage, wantStderr: "loud"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(tc.args, &stdout, &stderr)
			if code != tc.wantCode {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, tc.wantCode, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.wantStdout) {
				t.Errorf("stdout %q lacks %q", stdout.String(), tc.wantStdout)
			}
			if !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.wantStderr)
			}
		})
	}
}

func TestVersionJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := Run([]string{"version", "-o", "json"}, &stdout, &stderr); code != ExitOK {
		t.Fatalf("exit code %d: %s", code, stderr.String())
	}
	var got version.Info
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout.String())
	}
	if got != version.Get() {
		t.Errorf("got %+v, want %+v", got, version.Get())
	}
	if got.MinKubernetes != "1.28" || got.MaxKubernetes != "1.37" {
		t.Errorf("supported range %s to %s, want 1.28 to 1.37", got.MinKubernetes, got.MaxKubernetes)
	}
}
