#!/usr/bin/env bash
# The local demo: run by `make demo` inside a throwaway control plane
# (test/cmd/localcp sets KUBECONFIG and puts its kubectl first on PATH).
# It upgrades a cluster that osm-edge v1.1.3 installed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin="$root/bin/init-osm-bootstrap"
old="$root/test/testdata/previous-releases/osm-edge-v1.1.3"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
crds() {
  kubectl get crds -o custom-columns='CRD:.metadata.name,BUNDLE:.metadata.annotations.openservicemesh\.io/bundle-version,SERVED:.spec.versions[?(@.served==true)].name,STORED:.status.storedVersions,CONVERSION:.spec.conversion.strategy'
}

step "$("$bin" version | head -1)"
"$bin" version

step "osm-edge v1.1.3 installs its CRDs with client-side kubectl apply"
kubectl create namespace osm-system >/dev/null
kubectl apply -f "$old" >/dev/null
kubectl wait --for condition=Established --timeout=60s -f "$old" >/dev/null
crds

step "a user stores a TrafficSplit in v1alpha2, v1.1.3's storage version"
kubectl create -f "$root/test/testdata/objects/trafficsplits.split.smi-spec.io/v1alpha2.yaml"

step "init-osm-bootstrap plan: what apply would do (exit code 2: something needs attention)"
"$bin" plan --namespace osm-system --webhook-url https://127.0.0.1:9443 --log-format console || echo "(exit code $?)"

step "init-osm-bootstrap apply --conversion none: refused, nothing written"
"$bin" apply --namespace osm-system --conversion none --log-format console || echo "(exit code $?)"

step "init-osm-bootstrap apply, with the conversion webhook at https://127.0.0.1:9443"
"$bin" apply --namespace osm-system --webhook-url https://127.0.0.1:9443 --log-format console
crds

step "a second run writes nothing"
"$bin" apply --namespace osm-system --webhook-url https://127.0.0.1:9443 --log-format console 2>&1 | tail -1

step "no last-applied-configuration annotation, one field manager"
kubectl get crd trafficsplits.split.smi-spec.io \
  -o jsonpath='{.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}{"managers: "}{.metadata.managedFields[*].manager}{"\n"}'

step "start the conversion webhook on https://127.0.0.1:9443"
"$bin" webhook --namespace osm-system --port 9443 --health-port 9091 --log-format console 2>/tmp/osm-demo-webhook.log &
webhook=$!
trap 'kill $webhook 2>/dev/null; wait $webhook 2>/dev/null' EXIT
for _ in $(seq 1 50); do curl -fsS http://127.0.0.1:9091/readyz >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS http://127.0.0.1:9091/readyz && echo

step "the v1alpha2 TrafficSplit, read in every served version"
for v in v1alpha2 v1alpha3 v1alpha4; do
  echo "--- as $v"
  kubectl get "trafficsplits.$v.split.smi-spec.io" -n osm-system bookstore-split-v1alpha2 \
    -o jsonpath='{.apiVersion}{" spec: "}{.spec}{"\n"}' 2>&1 | grep -v '^Warning'
done

step "an SMI v1alpha1 TrafficTarget written by a user, read as v1alpha3"
kubectl create -f "$root/test/testdata/objects/traffictargets.access.smi-spec.io/v1alpha1.yaml" 2>&1 | grep -v '^Warning'
kubectl get traffictargets.v1alpha3.access.smi-spec.io -n osm-system -o yaml | sed -n '/^  spec:/,/^    sources:/p' | head -20
