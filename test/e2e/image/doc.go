// Package image tests what goes into the container image: the binary that
// `make image-binary` builds (static, trimmed, stamped, built without git)
// and the Dockerfile that runs that target. There is no Docker engine in
// the test environment, so the image itself is not built here; the
// Dockerfile is checked for the properties the binary's tests rely on.
//
// These are end-to-end tests of the build, not unit tests of a package:
// they run make and the go toolchain, like a release build does, so they
// live beside the other tests of the built binary and need no API server.
package image
