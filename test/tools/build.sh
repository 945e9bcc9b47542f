#!/usr/bin/env bash
# Builds the control-plane binaries the tests run against (kube-apiserver,
# kubectl, kube-controller-manager and etcd) for one Kubernetes release, from
# the Go module in test/tools/kubernetes-<release>/, into a cache directory
# outside the repository. A binary is rebuilt only when the module's go.sum
# changed since it was built.
#
# usage: test/tools/build.sh [RELEASE]      (default: v1.37.2)
# prints the directory holding the binaries on stdout; progress goes to stderr.
set -euo pipefail

release=${1:-v1.37.2}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
module="$here/kubernetes-$release"
if [ ! -f "$module/go.mod" ]; then
  echo "build.sh: no module for release $release (expected $module/go.mod)" >&2
  exit 1
fi

cache=${OSM_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/init-osm-bootstrap}
out="$cache/kubernetes-$release"
mkdir -p "$out"

stamp=$(sha256sum "$module/go.sum" | cut -c1-16)
minor=${release#v}; major=${minor%%.*}; minor=${minor#*.}; minor=${minor%%.*}
# The Kubernetes build stamps these; without them the API server reports
# v0.0.0-master and version checks against it are meaningless.
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$release -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

build() {
  local name=$1 pkg=$2
  if [ -x "$out/$name" ] && [ "$(cat "$out/$name.stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "build.sh: $name $release is up to date in $out" >&2
    return
  fi
  echo "build.sh: building $name $release (this can take several minutes)..." >&2
  local start=$SECONDS
  (cd "$module" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out/$name.tmp" "$pkg")
  mv "$out/$name.tmp" "$out/$name"
  echo "$stamp" > "$out/$name.stamp"
  echo "build.sh: built $name in $((SECONDS - start))s" >&2
}

build etcd go.etcd.io/etcd/server/v3
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
build kubectl k8s.io/kubernetes/cmd/kubectl
build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager

echo "$out"
