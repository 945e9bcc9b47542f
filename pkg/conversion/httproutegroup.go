package conversion

// httpRouteGroupCRD is the CRD of HTTPRouteGroup.
const httpRouteGroupCRD = "httproutegroups.specs.smi-spec.io"

// topLevelMatches is the shape of the HTTPRouteGroup versions that have
// no spec: their matches sit at the top level.
var topLevelMatches = shape{moveTo("matches", "spec.matches")}

// httpRouteGroupShapes: v1alpha1 and v1alpha2 keep matches at the top
// level (both with headers, as osm-edge's schema has them); v1alpha3 has
// the shape of v1alpha4.
var httpRouteGroupShapes = kindShapes{
	hub: "v1alpha4",
	shapes: map[string]shape{
		"v1alpha1": topLevelMatches,
		"v1alpha2": topLevelMatches,
		"v1alpha3": nil,
	},
}
