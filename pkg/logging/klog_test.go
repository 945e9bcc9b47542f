package logging

import (
	"bytes"
	"errors"
	"testing"

	"k8s.io/klog/v2"
)

func TestRedirectKlog(t *testing.T) {
	var buf bytes.Buffer
	log, err := New(FormatJSON, "info", &buf)
	if err != nil {
		t.Fatal(err)
	}
	restore := RedirectKlog(log)
	defer restore()

	klog.Info("from klog")
	klog.ErrorS(errors.New("boom"), "klog error", "key", "value")
	klog.V(4).Info("verbose detail")
	klog.Background().Info("from the background logger")
	klog.Flush()

	lines := decodeLines(t, &buf)
	want := []struct{ msg, level string }{
		{"from klog", "info"},
		{"klog error", "error"},
		{"from the background logger", "info"},
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, w := range want {
		line := lines[i]
		if line["msg"] != w.msg || line["level"] != w.level || line["logger"] != klogName {
			t.Errorf("line %d = %v, want msg %q at %s from logger %q", i, line, w.msg, w.level, klogName)
		}
	}
	if lines[1]["error"] != "boom" || lines[1]["key"] != "value" {
		t.Errorf("error line lost its fields: %v", lines[1])
	}
}
