# Targets for building, generating and testing init-osm-bootstrap.
# `make help` lists them.

SHELL := /usr/bin/env bash
GO ?= go
VERSION := $(shell cat VERSION)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
BIN_DIR ?= bin
# The Kubernetes release the test control plane is built from.
KUBE_RELEASE ?= v1.37.2
LDFLAGS := -s -w -X github.com/flomesh-io/init-osm-bootstrap/pkg/version.Commit=$(COMMIT)

.PHONY: help build bench demo generate test test-tools lint fmt vet clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build bin/init-osm-bootstrap (static)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN_DIR)/init-osm-bootstrap ./cmd/init-osm-bootstrap

# BENCH_ARGS passes flags to the benchmark, such as -only apply or -only migrate.
bench: build test-tools ## compare apply and migrate with kubectl on a local API server; prints ratios and peak memory
	OSM_TEST_ASSETS="$$(test/tools/build.sh $(KUBE_RELEASE))" $(GO) run ./test/cmd/bench -bin $(BIN_DIR)/init-osm-bootstrap $(BENCH_ARGS)

demo: build test-tools ## run the demo against a throwaway local control plane
	$(GO) build -o $(BIN_DIR)/demo ./test/cmd/demo
	OSM_TEST_ASSETS="$$(test/tools/build.sh $(KUBE_RELEASE))" $(GO) run ./test/cmd/localcp -- \
		$(BIN_DIR)/demo -bin $(BIN_DIR)/init-osm-bootstrap -root .

generate: ## regenerate deepcopy functions and manifests/crds from pkg/apis
	$(GO) tool controller-gen object paths=./pkg/apis/...
	hack/generate-crds.sh manifests/crds

test-tools: ## build the test control plane (etcd, kube-apiserver, kubectl) into the cache
	test/tools/build.sh $(KUBE_RELEASE) >/dev/null

# Packages under test/ each start their own API server: they run one at a
# time (-p 1), since two at once on a small machine fight for the CPU.
test: test-tools ## run every test, including those against a real API server
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /test/)
	OSM_TEST_ASSETS="$$(test/tools/build.sh $(KUBE_RELEASE))" $(GO) test -count=1 -p 1 ./test/...

# The Kubernetes releases `make test-matrix` runs the end-to-end tests
# against, one after the other: the newest supported and an older one (see
# docs/compatibility.md). CI runs `make test`, against KUBE_RELEASE only.
KUBE_RELEASES ?= v1.37.2 v1.34.4

.PHONY: test-matrix docs

test-matrix: ## run the end-to-end tests (./test/...) against each of KUBE_RELEASES
	@failed=; for release in $(KUBE_RELEASES); do \
	  echo "test-matrix: end-to-end tests against Kubernetes $$release"; \
	  assets="$$(test/tools/build.sh $$release)" && \
	  OSM_TEST_ASSETS="$$assets" $(GO) test -count=1 -p 1 ./test/... || failed="$$failed $$release"; \
	done; \
	if [ -n "$$failed" ]; then echo "test-matrix: failed against$$failed"; exit 1; fi; \
	echo "test-matrix: passed against $(KUBE_RELEASES)"

docs: ## rewrite README.md's command reference from the commands' help
	$(GO) run ./hack/cmddocs -readme README.md

lint: fmt vet ## gofmt and go vet

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

clean: ## remove build output (not the test control-plane cache)
	rm -rf $(BIN_DIR)

# The container image's binary. The Dockerfile's build stage runs this target,
# so that the image and `make image-binary` cannot drift. It needs no git: the
# build context of an image may lack .git, so COMMIT comes from the
# environment or the command line (`make image-binary COMMIT=abc1234`), and
# -buildvcs=false keeps go build from asking git for VCS stamps.
IMAGE_BIN ?= $(BIN_DIR)/image/init-osm-bootstrap
IMAGE ?= flomesh/init-osm-bootstrap:v$(VERSION)

.PHONY: image-binary image

image-binary: ## build the image's static binary into $(IMAGE_BIN); COMMIT from the environment
	CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=false -ldflags "$(LDFLAGS)" -o $(IMAGE_BIN) ./cmd/init-osm-bootstrap

image: ## build the container image $(IMAGE) with docker (needs a Docker engine)
	docker build --build-arg COMMIT=$(COMMIT) -t $(IMAGE) .
