// Package manifests embeds the generated CRD manifests into the binary.
//
// The files in crds/ are generated from pkg/apis by `make generate`; one CRD
// per file, named <plural>.<group>.yaml after the CRD it holds.
package manifests

import (
	"embed"
	"io/fs"
)

//go:embed crds/*.yaml
var crds embed.FS

// CRDs returns the CRD manifests as a file system whose root holds the
// <plural>.<group>.yaml files.
func CRDs() fs.FS {
	sub, err := fs.Sub(crds, "crds")
	if err != nil {
		// fs.Sub fails only on an invalid path, and "crds" is a constant.
		panic(err)
	}
	return sub
}
