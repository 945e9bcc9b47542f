#!/usr/bin/env bash
# Generates one CRD manifest per file from the Go types in pkg/apis, named
# <plural>.<group>.yaml (the CRD's own name), into the directory given
# (default manifests/crds). Files of CRDs that no longer exist are removed.
#
# usage: hack/generate-crds.sh [DIR]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=${1:-$root/manifests/crds}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cd "$root"
go tool controller-gen crd paths=./pkg/apis/... output:crd:dir="$tmp"

mkdir -p "$dest"
rm -f "$dest"/*.yaml
for f in "$tmp"/*.yaml; do
  base=$(basename "$f" .yaml)   # controller-gen names files <group>_<plural>
  group=${base%%_*}
  plural=${base#*_}
  cp "$f" "$dest/$plural.$group.yaml"
done
