package kube

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/client-go/discovery"
)

// ErrServerTooOld is wrapped by CheckServerVersion's error for a server
// older than the oldest supported minor release: the run must stop.
var ErrServerTooOld = errors.New("kubernetes server older than supported")

// ErrServerNewer is wrapped by CheckServerVersion's error for a server newer
// than the newest supported minor release. It is a warning, not a failure:
// an init container must keep working on a cluster upgraded before this
// program is, so the caller logs it and goes on.
var ErrServerNewer = errors.New("kubernetes server newer than tested")

// IsNewerThanSupported reports whether err is CheckServerVersion's warning
// about a server newer than the supported range.
func IsNewerThanSupported(err error) bool {
	return errors.Is(err, ErrServerNewer)
}

// CheckServerVersion asks the server for its version and compares its major
// and minor release with the supported range [oldest, newest], given as "1.28"
// style versions (patch releases and pre-release or vendor suffixes such as
// "-eks-1a2b3c" or "+k3s1" play no part). It returns the server's version,
// with a nil error within the range, an error wrapping ErrServerNewer above
// it and an error wrapping ErrServerTooOld below it; other errors come with
// no version. The request is made once: wrap the call in Retry to wait for a
// server that is starting.
func CheckServerVersion(
	ctx context.Context, d discovery.ServerVersionInterface, oldest, newest string,
) (*version.Version, error) {
	lo, hi, err := parseRange(oldest, newest)
	if err != nil {
		return nil, err
	}

	info, err := discovery.ToServerVersionInterfaceWithContext(d).ServerVersionWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("get server version: %w", err)
	}
	server, err := parseServerVersion(info.GitVersion, info.Major, info.Minor)
	if err != nil {
		return nil, err
	}

	release := majorMinor(server)
	switch {
	case release.LessThan(lo):
		return server, fmt.Errorf("%w: server runs %s, the oldest supported is %s", ErrServerTooOld, server, oldest)
	case hi.LessThan(release):
		return server, fmt.Errorf("%w: server runs %s, the newest tested is %s", ErrServerNewer, server, newest)
	default:
		return server, nil
	}
}

// parseRange parses the bounds of the supported range.
func parseRange(oldest, newest string) (*version.Version, *version.Version, error) {
	lo, err := version.ParseGeneric(oldest)
	if err != nil {
		return nil, nil, fmt.Errorf("parse oldest supported version %q: %w", oldest, err)
	}
	hi, err := version.ParseGeneric(newest)
	if err != nil {
		return nil, nil, fmt.Errorf("parse newest supported version %q: %w", newest, err)
	}
	return majorMinor(lo), majorMinor(hi), nil
}

// parseServerVersion reads the server's gitVersion, keeping a vendor's
// suffix for the logs when it is valid semver, and falls back on the major
// and minor fields when a distribution rewrote gitVersion beyond
// recognition. Some report the minor as "28+".
func parseServerVersion(gitVersion, major, minor string) (*version.Version, error) {
	if v, err := version.ParseSemantic(gitVersion); err == nil {
		return v, nil
	}
	v, err := version.ParseGeneric(gitVersion)
	if err == nil {
		return v, nil
	}

	fallback := major + "." + strings.TrimSuffix(minor, "+")
	v, fallbackErr := version.ParseGeneric(fallback)
	if fallbackErr != nil {
		return nil, fmt.Errorf("parse server version %q (major %q, minor %q): %w", gitVersion, major, minor, err)
	}
	return v, nil
}

// majorMinor drops the patch release.
func majorMinor(v *version.Version) *version.Version {
	return version.MajorMinor(v.Major(), v.Minor())
}
