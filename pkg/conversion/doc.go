// Package conversion converts custom resources between the versions of
// the bundle's CRDs, for the conversion webhook and for plan.
//
// Conversions work on decoded JSON objects (map[string]any), never on Go
// types, so that no field a type does not know is lost. A Registry, built
// from the CRDs, holds per multi-version CRD the shape of each version
// relative to the storage version (the hub): the fields that sit elsewhere
// (TrafficTarget v1alpha1's top-level destination is v1alpha3's
// spec.destination). Every conversion moves fields up to the hub's shape
// and down to the target's, so each version needs one way up and one way
// down, not one per pair.
//
// What the target version cannot hold is found from its schema in the
// CRD, as the API server would treat the object: fields it would prune
// and values it would reject. They are kept in the StashAnnotation of the
// converted object, and restored when the object comes back, so that
// converting to any version and back gives the object it was. The rules
// for what is stashed and what wins on the way back are on convert and
// restore.
package conversion
