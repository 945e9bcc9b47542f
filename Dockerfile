# syntax=docker/dockerfile:1
#
# The init-osm-bootstrap image: one static binary, the CRD bundle inside it,
# on a base with no shell and no package manager. `make image` builds it;
# the build stage runs `make image-binary`, so the binary here is the one
# that target builds and tests (test/e2e/image).

# The build stage runs on the builder's platform and cross-compiles for the
# target one: CGO is off, so no C toolchain for the target is needed.
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src

# Modules first, so that a change of source does not download them again.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
# The build context has no .git (see .dockerignore): the commit comes in as
# a build argument, `make image` passes it.
ARG COMMIT=unknown
ARG TARGETOS
ARG TARGETARCH
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH make image-binary COMMIT="$COMMIT" IMAGE_BIN=/out/init-osm-bootstrap

# distroless static: CA certificates, /etc/passwd with the nonroot user,
# tzdata; no shell, no package manager, no libc.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/init-osm-bootstrap /init-osm-bootstrap
# nonroot is 65532; numeric, so that the kubelet can check runAsNonRoot
# without reading /etc/passwd.
USER 65532:65532
ENTRYPOINT ["/init-osm-bootstrap"]
