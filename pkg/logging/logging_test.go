package logging

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
)

func TestNewRejectsInvalidOptions(t *testing.T) {
	cases := []struct {
		name    string
		format  string
		level   string
		wantErr string
	}{
		{name: "unknown format", format: "xml", level: "info", wantErr: `invalid log format "xml"`},
		{name: "format in capitals", format: "JSON", level: "info", wantErr: `invalid log format "JSON"`},
		{name: "unknown level", format: "json", level: "verbose", wantErr: `invalid log level "verbose"`},
		{name: "zap-only level", format: "json", level: "fatal", wantErr: `invalid log level "fatal"`},
		{name: "empty level", format: "json", level: "", wantErr: `invalid log level ""`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			log, err := New(tc.format, tc.level, &bytes.Buffer{})
			if err == nil {
				t.Fatalf("New(%q, %q) = %v, want an error", tc.format, tc.level, log)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q lacks %q", err, tc.wantErr)
			}
		})
	}
}

func TestNewFiltersByLevel(t *testing.T) {
	cases := []struct {
		level    string
		wantMsgs []string
	}{
		{level: "debug", wantMsgs: []string{"d", "i", "w", "e"}},
		{level: "info", wantMsgs: []string{"i", "w", "e"}},
		{level: "warn", wantMsgs: []string{"w", "e"}},
		{level: "error", wantMsgs: []string{"e"}},
	}
	for _, tc := range cases {
		t.Run(tc.level, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := New(FormatJSON, tc.level, &buf)
			if err != nil {
				t.Fatal(err)
			}
			log.Debug("d")
			log.Info("i")
			log.Warn("w")
			log.Error("e")

			var got []string
			for _, line := range decodeLines(t, &buf) {
				got = append(got, line["msg"].(string))
			}
			if strings.Join(got, ",") != strings.Join(tc.wantMsgs, ",") {
				t.Errorf("messages %v, want %v", got, tc.wantMsgs)
			}
		})
	}
}

// TestAutoFormatIsJSONOffTerminal covers the init container's case: stderr
// is a pipe to the container runtime, so every line must be JSON.
func TestAutoFormatIsJSONOffTerminal(t *testing.T) {
	var buf bytes.Buffer
	log, err := New(FormatAuto, "info", &buf)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("CRD applied", zap.String("crd", "meshconfigs.config.openservicemesh.io"),
		zap.Duration("duration", 1500*time.Millisecond))

	lines := decodeLines(t, &buf)
	if len(lines) != 1 {
		t.Fatalf("got %d lines, want 1", len(lines))
	}
	line := lines[0]
	if line["msg"] != "CRD applied" || line["level"] != "info" || line["duration"] != "1.5s" {
		t.Errorf("unexpected line %v", line)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000Z0700", line["ts"].(string)); err != nil {
		t.Errorf("ts is not ISO 8601: %v", err)
	}
}

func TestConsoleFormatIsPlainOffTerminal(t *testing.T) {
	var buf bytes.Buffer
	log, err := New(FormatConsole, "info", &buf)
	if err != nil {
		t.Fatal(err)
	}
	log.Warn("CRD skipped", zap.String("crd", "egresses.policy.openservicemesh.io"))

	out := buf.String()
	for _, want := range []string{"WARN", "CRD skipped", `"crd": "egresses.policy.openservicemesh.io"`} {
		if !strings.Contains(out, want) {
			t.Errorf("console line %q lacks %q", out, want)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("console line %q has colour codes off a terminal", out)
	}
	if strings.HasPrefix(out, "{") {
		t.Errorf("console line %q looks like JSON", out)
	}
}

func TestIsTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()

	if isTerminal(w) {
		t.Error("a pipe counts as a terminal")
	}
	if isTerminal(&bytes.Buffer{}) {
		t.Error("a buffer counts as a terminal")
	}
}

// decodeLines parses each line of buf as one JSON object.
func decodeLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, raw := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if raw == "" {
			continue
		}
		var line map[string]any
		if err := json.Unmarshal([]byte(raw), &line); err != nil {
			t.Fatalf("line %q is not JSON: %v", raw, err)
		}
		lines = append(lines, line)
	}
	return lines
}
