package conversion

import "testing"

func TestMeshConfigConversions(t *testing.T) {
	runConversionCases(t, meshConfigCRD, []conversionCase{
		{
			name: "v1alpha2 to v1alpha1: interceptionMode none is stashed",
			in: `
apiVersion: config.openservicemesh.io/v1alpha2
kind: MeshConfig
metadata: {name: osm-mesh-config, namespace: osm-system}
spec:
  traffic: {interceptionMode: none, enableEgress: true}
`,
			to: "config.openservicemesh.io/v1alpha1",
			want: `
apiVersion: config.openservicemesh.io/v1alpha1
kind: MeshConfig
metadata: {name: osm-mesh-config, namespace: osm-system}
spec:
  traffic: {enableEgress: true}
`,
			stash: `{"v":1,"from":"v1alpha2","to":"v1alpha1","fields":{"/spec/traffic/interceptionMode":"none"}}`,
		},
		{
			name: "v1alpha2 to v1alpha1: fields holding v1alpha2's defaults are not stashed",
			in: `
apiVersion: config.openservicemesh.io/v1alpha2
kind: MeshConfig
metadata: {name: osm-mesh-config, namespace: osm-system}
spec:
  sidecar:
    logLevel: error
    localProxyMode: Localhost
    tlsMinProtocolVersion: TLSv1_2
    tlsMaxProtocolVersion: TLSv1_3
`,
			to: "config.openservicemesh.io/v1alpha1",
			want: `
apiVersion: config.openservicemesh.io/v1alpha1
kind: MeshConfig
metadata: {name: osm-mesh-config, namespace: osm-system}
spec:
  sidecar: {logLevel: error}
`,
			// The API server defaults them again.
			back: `
apiVersion: config.openservicemesh.io/v1alpha2
kind: MeshConfig
metadata: {name: osm-mesh-config, namespace: osm-system}
spec:
  sidecar: {logLevel: error}
`,
		},
		{
			name: "v1alpha2 to v1alpha1: new fields off their defaults are stashed",
			in: `
apiVersion: config.openservicemesh.io/v1alpha2
kind: MeshConfig
metadata: {name: osm-mesh-config, namespace: osm-system}
spec:
  sidecar:
    localProxyMode: PodIP
    tlsMinProtocolVersion: TLSv1_3
    localDNSProxy: {enable: true, primaryUpstreamDNSServerIPAddr: 10.96.0.10}
  traffic:
    outboundIPRangeInclusionList: [10.0.0.0/8]
`,
			to: "config.openservicemesh.io/v1alpha1",
			want: `
apiVersion: config.openservicemesh.io/v1alpha1
kind: MeshConfig
metadata: {name: osm-mesh-config, namespace: osm-system}
spec:
  sidecar: {}
  traffic: {}
`,
			stash: `{"v":1,"from":"v1alpha2","to":"v1alpha1","fields":{` +
				`"/spec/sidecar/localDNSProxy":{"enable":true,"primaryUpstreamDNSServerIPAddr":"10.96.0.10"},` +
				`"/spec/sidecar/localProxyMode":"PodIP","/spec/sidecar/tlsMinProtocolVersion":"TLSv1_3",` +
				`"/spec/traffic/outboundIPRangeInclusionList":["10.0.0.0/8"]}}`,
		},
		{
			name: "v1alpha1 to v1alpha2: a sidecarClass outside v1alpha2's enum is stashed",
			in: `
apiVersion: config.openservicemesh.io/v1alpha1
kind: MeshConfig
metadata: {name: osm-mesh-config, namespace: osm-system}
spec:
  sidecar: {sidecarClass: my-proxy, logLevel: info}
  traffic: {interceptionMode: ebpf}
`,
			to: "config.openservicemesh.io/v1alpha2",
			want: `
apiVersion: config.openservicemesh.io/v1alpha2
kind: MeshConfig
metadata: {name: osm-mesh-config, namespace: osm-system}
spec:
  sidecar: {logLevel: info}
  traffic: {interceptionMode: ebpf}
`,
			stash: `{"v":1,"from":"v1alpha1","to":"v1alpha2","fields":{"/spec/sidecar/sidecarClass":"my-proxy"}}`,
		},
	})
}

// TestMeshConfigEditInOldVersionWins reads a MeshConfig in v1alpha1, sets
// the field that v1alpha1 could not show, and writes it back: the edit
// wins over the stashed value, and the stash goes.
func TestMeshConfigEditInOldVersionWins(t *testing.T) {
	hub := parseObject(t, []byte(`
apiVersion: config.openservicemesh.io/v1alpha2
kind: MeshConfig
metadata: {name: osm-mesh-config, namespace: osm-system}
spec:
  traffic: {interceptionMode: none}
  sidecar: {cipherSuites: [X]}
`))
	old := mustConvert(t, meshConfigCRD, hub, "config.openservicemesh.io/v1alpha1")
	old["spec"].(map[string]any)["traffic"].(map[string]any)["interceptionMode"] = "iptables"

	got := mustConvert(t, meshConfigCRD, old, "config.openservicemesh.io/v1alpha2")
	assertJSONEqual(t, "written back", parseObject(t, []byte(`
apiVersion: config.openservicemesh.io/v1alpha2
kind: MeshConfig
metadata: {name: osm-mesh-config, namespace: osm-system}
spec:
  traffic: {interceptionMode: iptables}
  sidecar: {cipherSuites: [X]}
`)), got)
}

// TestMeshConfigDefaultsGiveNoStash: a v1alpha1 MeshConfig stored in
// v1alpha2, where the API server adds v1alpha2's defaults, reads back in
// v1alpha1 without a stash annotation.
func TestMeshConfigDefaultsGiveNoStash(t *testing.T) {
	v1 := corpusObject(t, meshConfigCRD, "v1alpha1")
	stored := schemaOf(t, meshConfigCRD, "v1alpha2").stored(
		mustConvert(t, meshConfigCRD, v1, "config.openservicemesh.io/v1alpha2"))
	sidecar := stored["spec"].(map[string]any)["sidecar"].(map[string]any)
	if sidecar["tlsMinProtocolVersion"] != "TLSv1_2" || sidecar["localProxyMode"] != "Localhost" {
		t.Fatalf("the stored object lacks v1alpha2's defaults: %v", sidecar)
	}

	got := mustConvert(t, meshConfigCRD, stored, "config.openservicemesh.io/v1alpha1")
	if s := stashOf(t, got); s != nil {
		t.Errorf("v1alpha1 object has a stash: %v", s)
	}
	assertJSONEqual(t, "read in v1alpha1", v1, got)
}
