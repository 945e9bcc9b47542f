package certs

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadCABundleFile(t *testing.T) {
	secret := issuedSecret(t, t0)
	ca, other := secret.Data[CACertKey], issuedSecret(t, t0).Data[CACertKey]
	cases := []struct {
		name    string
		content []byte
		wantErr string
		wantKey bool
	}{
		{name: "one certificate", content: ca},
		{name: "two certificates with comments", content: join("# mesh A\n", ca, "\n# mesh B\n", other)},
		{name: "empty", content: nil, wantErr: "is empty"},
		{name: "blank lines only", content: []byte("\n \n"), wantErr: "is empty"},
		{name: "not PEM", content: []byte("hello, world\n"), wantErr: "holds no PEM block"},
		{name: "a private key", content: secret.Data[CAKeyKey], wantKey: true,
			wantErr: `PEM block 1 is "EC PRIVATE KEY"`},
		{name: "certificate and key", content: join(ca, secret.Data[CAKeyKey]), wantKey: true,
			wantErr: `PEM block 2 is "EC PRIVATE KEY"`},
		{name: "another PEM block", content: join(ca, "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"),
			wantErr: `PEM block 2 is "CERTIFICATE REQUEST"`},
		{name: "corrupt certificate", content: []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
			wantErr: "PEM block 1: x509:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ca.pem")
			if err := os.WriteFile(path, tc.content, 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := ReadCABundleFile(path)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("ReadCABundleFile: %v", err)
				}
				if !bytes.Equal(got, tc.content) {
					t.Errorf("returned bytes differ from the file's")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), path) {
				t.Errorf("err = %v, want it to name %s and contain %q", err, path, tc.wantErr)
			}
			if got := errors.Is(err, ErrPrivateKeyInBundle); got != tc.wantKey {
				t.Errorf("errors.Is(err, ErrPrivateKeyInBundle) = %v, want %v", got, tc.wantKey)
			}
		})
	}
}

func TestReadCABundleFileMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.pem")
	_, err := ReadCABundleFile(path)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want a not-exist error naming %s", err, path)
	}
}

// join concatenates strings and byte slices.
func join(parts ...any) []byte {
	var b bytes.Buffer
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			b.WriteString(p)
		case []byte:
			b.Write(p)
		}
	}
	return b.Bytes()
}
