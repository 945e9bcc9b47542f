package conversion

// trafficSplitCRD is the CRD of TrafficSplit.
const trafficSplitCRD = "trafficsplits.split.smi-spec.io"

// trafficSplitShapes: every version has the same shape; v1alpha2 lacks
// spec.matches, which the schema walk stashes going down.
var trafficSplitShapes = kindShapes{
	hub: "v1alpha4",
	shapes: map[string]shape{
		"v1alpha2": nil,
		"v1alpha3": nil,
	},
}
