// Package crpeer is the peer that pkg/conversion's benchmarks measure
// against: the MeshConfig and TrafficTarget conversions written the way
// controller-runtime's conversion webhook wants them, as Hub and
// Convertible methods on typed objects, with the same semantics as
// pkg/conversion (the same fields moved; what the target version cannot
// hold kept in an annotation and restored on the way back). Only tests
// import it.
//
// The types are defined on those of pkg/apis, so that they hold exactly
// the same fields, and get the methods controller-runtime calls.
package crpeer
