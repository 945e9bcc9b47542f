package conversion

// trafficTargetCRD is the CRD of TrafficTarget.
const trafficTargetCRD = "traffictargets.access.smi-spec.io"

// trafficTargetShapes: v1alpha1 has no spec; its destination, sources and
// specs sit at the top level, and specs are called rules from v1alpha2 on.
// v1alpha2 has v1alpha3's shape. Only v1alpha3 lacks destination.port and
// allows rules of kind UDPRoute; the schema walk stashes the port going
// up, and a UDPRoute rule (as a whole, since kind is required) going down.
var trafficTargetShapes = kindShapes{
	hub: "v1alpha3",
	shapes: map[string]shape{
		"v1alpha1": {
			moveTo("destination", "spec.destination"),
			moveTo("sources", "spec.sources"),
			moveTo("specs", "spec.rules"),
		},
		"v1alpha2": nil,
	},
}
