package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestWebhookRefusesBadFlags(t *testing.T) {
	cases := []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{"port zero", []string{"--port", "0"}, "invalid --port 0"},
		{"port too high", []string{"--port", "70000"}, "invalid --port 70000"},
		{"health port", []string{"--health-port", "-1"}, "invalid --health-port -1"},
		{"same ports", []string{"--port", "9000", "--health-port", "9000"}, "must differ"},
		{"cert without key", []string{"--tls-cert-file", "/tmp/c"}, "go together"},
		{"key without cert", []string{"--tls-key-file", "/tmp/k"}, "go together"},
		{"negative drain", []string{"--drain-delay", "-1s"}, "invalid --drain-delay"},
		{"zero body", []string{"--max-body-bytes", "0"}, "invalid --max-body-bytes 0"},
		{"bad timeout", []string{"--timeout", "0s"}, "invalid --timeout"},
		{"bad log format", []string{"--log-format", "xml"}, "invalid log format"},
		{"bad log level", []string{"--log-level", "loud"}, "loud"},
		{"argument", []string{"extra"}, "takes no arguments"},
		{"unknown flag", []string{"--bogus"}, "unknown flag: --bogus"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(append([]string{"webhook"}, tc.args...), &stdout, &stderr)
			if code != ExitUsage {
				t.Errorf("exit code %d, want %d (stderr %q)", code, ExitUsage, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.wantStderr)
			}
		})
	}
}

func TestWebhookFlagDefaults(t *testing.T) {
	cmd := newWebhookCommand()
	want := map[string]string{
		"port": "9443", "health-port": "9091", "webhook-service-name": "osm-bootstrap", "auto-migrate": "true", "drain-delay": "5s",
		"max-body-bytes": "67108864", "tls-cert-file": "", "tls-key-file": "", "namespace": "", "kubeconfig": "",
	}
	for name, value := range want {
		f := cmd.Flags().Lookup(name)
		if f == nil {
			t.Errorf("no flag --%s", name)
			continue
		}
		if f.DefValue != value {
			t.Errorf("--%s defaults to %q, want %q", name, f.DefValue, value)
		}
	}
}
