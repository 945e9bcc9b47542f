package kube

import (
	"context"
	"errors"
	"strings"
	"testing"

	utilversion "k8s.io/apimachinery/pkg/util/version"
	"k8s.io/apimachinery/pkg/version"
)

// fakeServerVersion is a discovery.ServerVersionInterface.
type fakeServerVersion struct {
	info version.Info
	err  error
}

func (f fakeServerVersion) ServerVersion() (*version.Info, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &f.info, nil
}

func TestCheckServerVersion(t *testing.T) {
	errDown := errors.New("connection refused")
	cases := []struct {
		name        string
		server      fakeServerVersion
		oldest      string
		newest      string
		wantVersion string // "" when none is returned
		wantErr     error
		wantMsg     string
	}{
		{name: "oldest supported", server: git("v1.28.0"), wantVersion: "1.28.0"},
		{name: "newest supported patch", server: git("v1.37.2"), wantVersion: "1.37.2"},
		{name: "pre-release of the oldest", server: git("v1.28.0-rc.1"), wantVersion: "1.28.0-rc.1"},
		{name: "vendor suffix", server: git("v1.30.4-eks-1a2b3c"), wantVersion: "1.30.4-eks-1a2b3c"},
		{name: "build metadata", server: git("v1.31.1+k3s1"), wantVersion: "1.31.1+k3s1"},
		{name: "minor with plus, no gitVersion", server: fakeServerVersion{info: version.Info{Major: "1", Minor: "29+"}},
			wantVersion: "1.29"},
		{name: "too old", server: git("v1.27.9"), wantVersion: "1.27.9", wantErr: ErrServerTooOld,
			wantMsg: "server runs 1.27.9, the oldest supported is 1.28"},
		{name: "newer minor", server: git("v1.38.0"), wantVersion: "1.38.0", wantErr: ErrServerNewer,
			wantMsg: "server runs 1.38.0, the newest tested is 1.37"},
		{name: "newer major", server: git("v2.0.0"), wantVersion: "2.0.0", wantErr: ErrServerNewer},
		{name: "unreadable version", server: git("unknown"), wantMsg: `parse server version "unknown"`},
		{name: "discovery fails", server: fakeServerVersion{err: errDown}, wantErr: errDown, wantMsg: "get server version: "},
		{name: "invalid min", server: git("v1.30.0"), oldest: "one", wantMsg: `parse oldest supported version "one"`},
		{name: "invalid max", server: git("v1.30.0"), newest: "latest", wantMsg: `parse newest supported version "latest"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			oldest, newest := or(tc.oldest, "1.28"), or(tc.newest, "1.37")
			got, err := CheckServerVersion(context.Background(), tc.server, oldest, newest)

			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v, want %v", err, tc.wantErr)
			}
			if IsNewerThanSupported(err) != (tc.wantErr == ErrServerNewer) {
				t.Errorf("IsNewerThanSupported(%v) = %v", err, !(tc.wantErr == ErrServerNewer))
			}
			if (err != nil) != (tc.wantErr != nil || tc.wantMsg != "") {
				t.Errorf("error %v, want one: %v", err, tc.wantErr != nil || tc.wantMsg != "")
			}
			if tc.wantMsg != "" && !strings.Contains(errString(err), tc.wantMsg) {
				t.Errorf("error %q lacks %q", err, tc.wantMsg)
			}
			if gotVersion := versionString(got); gotVersion != tc.wantVersion {
				t.Errorf("version %q, want %q", gotVersion, tc.wantVersion)
			}
		})
	}
}

func git(gitVersion string) fakeServerVersion {
	return fakeServerVersion{info: version.Info{GitVersion: gitVersion}}
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

func versionString(v *utilversion.Version) string {
	if v == nil {
		return ""
	}
	return v.String()
}
