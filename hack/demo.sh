#!/usr/bin/env bash
# The local demo: run by `make demo` inside a throwaway control plane
# (test/cmd/localcp sets KUBECONFIG and puts its kubectl first on PATH).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "init-osm-bootstrap version"
"$root/bin/init-osm-bootstrap" version

step "install the embedded bundle's manifests"
kubectl apply --server-side -f "$root/manifests/crds" >/dev/null
kubectl wait --for condition=Established --timeout=60s -f "$root/manifests/crds" >/dev/null
kubectl get crds -o custom-columns='CRD:.metadata.name,VERSIONS:.spec.versions[*].name,STORAGE:.status.storedVersions'

step "create a custom resource of each storage version"
kubectl create namespace osm-system >/dev/null
for dir in "$root"/test/testdata/objects/*/; do
  crd=$(basename "$dir")
  storage=$(kubectl get crd "$crd" -o jsonpath='{.spec.versions[?(@.storage==true)].name}')
  kubectl create -f "$dir/$storage.yaml"
done
