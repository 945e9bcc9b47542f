// Package bootstrap holds what the whole repository shares at its root: the
// VERSION file, embedded so that a plain `go build` reports the version.
package bootstrap

import _ "embed"

// VersionFile is the content of the repository's VERSION file.
//
//go:embed VERSION
var VersionFile string
