package conversion

// meshConfigCRD is the CRD of MeshConfig.
const meshConfigCRD = "meshconfigs.config.openservicemesh.io"

// meshConfigShapes: v1alpha1 has the shape of v1alpha2. v1alpha2 adds
// fields (sidecar TLS versions, cipher suites, ECDH curves, local proxy
// mode and DNS proxy; two traffic lists), gives sidecarClass an enum and
// lets traffic.interceptionMode be none. Going down, the new fields and
// "none" are stashed, but not the new fields that hold v1alpha2's default
// (the API server defaults them again on the way back); going up, a
// sidecarClass outside the enum is.
var meshConfigShapes = kindShapes{
	hub:    "v1alpha2",
	shapes: map[string]shape{"v1alpha1": nil},
}
