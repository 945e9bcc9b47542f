package conversion

import "testing"

const trafficTargetV1alpha1 = `
apiVersion: access.smi-spec.io/v1alpha1
kind: TrafficTarget
metadata:
  name: bookstore
  namespace: shop
  labels: {app: bookstore}
  annotations: {team: books}
destination: {kind: ServiceAccount, name: bookstore, namespace: shop, port: 14001}
specs:
- {kind: HTTPRouteGroup, name: routes, matches: [buy]}
- {kind: TCPRoute, name: tcp}
sources:
- {kind: ServiceAccount, name: bookbuyer}
`

func TestTrafficTargetConversions(t *testing.T) {
	runConversionCases(t, trafficTargetCRD, []conversionCase{
		{
			name: "v1alpha1 to v1alpha3: fields move under spec, specs become rules, port is stashed",
			in:   trafficTargetV1alpha1,
			to:   "access.smi-spec.io/v1alpha3",
			want: `
apiVersion: access.smi-spec.io/v1alpha3
kind: TrafficTarget
metadata:
  name: bookstore
  namespace: shop
  labels: {app: bookstore}
  annotations: {team: books}
spec:
  destination: {kind: ServiceAccount, name: bookstore, namespace: shop}
  rules:
  - {kind: HTTPRouteGroup, name: routes, matches: [buy]}
  - {kind: TCPRoute, name: tcp}
  sources:
  - {kind: ServiceAccount, name: bookbuyer}
`,
			stash: `{"v":1,"from":"v1alpha1","to":"v1alpha3","fields":{"/spec/destination/port":14001}}`,
		},
		{
			name: "v1alpha1 to v1alpha2: port stays, nothing to stash",
			in:   trafficTargetV1alpha1,
			to:   "access.smi-spec.io/v1alpha2",
			want: `
apiVersion: access.smi-spec.io/v1alpha2
kind: TrafficTarget
metadata:
  name: bookstore
  namespace: shop
  labels: {app: bookstore}
  annotations: {team: books}
spec:
  destination: {kind: ServiceAccount, name: bookstore, namespace: shop, port: 14001}
  rules:
  - {kind: HTTPRouteGroup, name: routes, matches: [buy]}
  - {kind: TCPRoute, name: tcp}
  sources:
  - {kind: ServiceAccount, name: bookbuyer}
`,
		},
		{
			name: "v1alpha3 to v1alpha2: a UDPRoute rule goes whole, as its kind is required",
			in: `
apiVersion: access.smi-spec.io/v1alpha3
kind: TrafficTarget
metadata: {name: dns, namespace: shop}
spec:
  destination: {kind: ServiceAccount, name: dns}
  rules:
  - {kind: TCPRoute, name: tcp}
  - {kind: UDPRoute, name: udp}
  - {kind: HTTPRouteGroup, name: routes}
  sources: [{kind: ServiceAccount, name: client}]
`,
			to: "access.smi-spec.io/v1alpha2",
			want: `
apiVersion: access.smi-spec.io/v1alpha2
kind: TrafficTarget
metadata: {name: dns, namespace: shop}
spec:
  destination: {kind: ServiceAccount, name: dns}
  rules:
  - {kind: TCPRoute, name: tcp}
  - {kind: HTTPRouteGroup, name: routes}
  sources: [{kind: ServiceAccount, name: client}]
`,
			stash: `{"v":1,"from":"v1alpha3","to":"v1alpha2","fields":{"/spec/rules/1":{"kind":"UDPRoute","name":"udp"}}}`,
		},
		{
			name: "v1alpha3 to v1alpha1: fields move to the top level, no port to give",
			in: `
apiVersion: access.smi-spec.io/v1alpha3
kind: TrafficTarget
metadata: {name: dns, namespace: shop}
spec:
  destination: {kind: ServiceAccount, name: dns}
  rules: [{kind: TCPRoute, name: tcp}]
  sources: [{kind: ServiceAccount, name: client}]
`,
			to: "access.smi-spec.io/v1alpha1",
			want: `
apiVersion: access.smi-spec.io/v1alpha1
kind: TrafficTarget
metadata: {name: dns, namespace: shop}
destination: {kind: ServiceAccount, name: dns}
specs: [{kind: TCPRoute, name: tcp}]
sources: [{kind: ServiceAccount, name: client}]
`,
		},
		{
			name: "v1alpha3 with an empty spec to v1alpha1: the empty spec is stashed",
			in: `
apiVersion: access.smi-spec.io/v1alpha3
kind: TrafficTarget
metadata: {name: empty}
spec: {}
`,
			to: "access.smi-spec.io/v1alpha1",
			want: `
apiVersion: access.smi-spec.io/v1alpha1
kind: TrafficTarget
metadata: {name: empty}
`,
			stash: `{"v":1,"from":"v1alpha3","to":"v1alpha1","fields":{"/spec":{}}}`,
		},
	})
}

// TestTrafficTargetPortThroughHub writes a v1alpha1 object, as the API
// server stores it in v1alpha3, and reads it in v1alpha2: the port
// stashed in the hub comes back where v1alpha2 can hold it.
func TestTrafficTargetPortThroughHub(t *testing.T) {
	in := parseObject(t, []byte(trafficTargetV1alpha1))
	hub := mustConvert(t, trafficTargetCRD, in, "access.smi-spec.io/v1alpha3")
	v2 := mustConvert(t, trafficTargetCRD, hub, "access.smi-spec.io/v1alpha2")

	if s := stashOf(t, v2); s != nil {
		t.Errorf("v1alpha2 object has a stash: %v", s)
	}
	spec, _ := v2["spec"].(map[string]any)
	dest, _ := spec["destination"].(map[string]any)
	if dest["port"] != int64(14001) {
		t.Errorf("spec.destination.port: got %v (%T), want 14001", dest["port"], dest["port"])
	}
	assertJSONEqual(t, "back in v1alpha1", in, mustConvert(t, trafficTargetCRD, v2, "access.smi-spec.io/v1alpha1"))
}
