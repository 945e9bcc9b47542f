// Package version reports the binary's version, the commit it was built from
// and the range of Kubernetes releases it supports.
package version

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/version"

	bootstrap "github.com/flomesh-io/init-osm-bootstrap"
)

// Commit is the source commit, set by release builds with
// -ldflags "-X github.com/flomesh-io/init-osm-bootstrap/pkg/version.Commit=...".
var Commit = "unknown"

// The Kubernetes minor releases this binary is tested against and supports.
const (
	MinKubernetes = "1.28"
	MaxKubernetes = "1.37"
)

// Version returns the binary's semantic version, without a leading "v", as
// written in the VERSION file. It is also the version of the embedded CRD
// bundle.
func Version() string {
	return strings.TrimSpace(bootstrap.VersionFile)
}

// Parse returns the binary's version as a semantic version. The VERSION file
// is checked by a test, so an error here means a broken build.
func Parse() (*version.Version, error) {
	v, err := version.ParseSemantic(Version())
	if err != nil {
		return nil, fmt.Errorf("parse VERSION %q: %w", Version(), err)
	}
	return v, nil
}

// Info is what `init-osm-bootstrap version` prints.
type Info struct {
	Version       string `json:"version"`
	Commit        string `json:"commit"`
	BundleVersion string `json:"bundleVersion"`
	MinKubernetes string `json:"minKubernetes"`
	MaxKubernetes string `json:"maxKubernetes"`
}

// Get returns the version information of this binary.
func Get() Info {
	return Info{
		Version:       Version(),
		Commit:        Commit,
		BundleVersion: Version(),
		MinKubernetes: MinKubernetes,
		MaxKubernetes: MaxKubernetes,
	}
}
