package conversion

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// unfillable are the validation errors a converted corpus object may have:
// fields the target requires that the source version has no counterpart
// for, so that no conversion can fill them. Keyed by CRD, source and target
// version.
var unfillable = map[[3]string][]string{
	// v1alpha3 has no port; v1alpha1 requires one.
	{trafficTargetCRD, "v1alpha3", "v1alpha1"}: {"destination.port: Required value"},
}

// TestCorpusRoundTrip converts the valid object of every version of every
// bundled CRD, as the API server stores it, to every version and back:
// the result must equal the original, and the converted object must hold
// nothing its version's schema prunes, and validate.
func TestCorpusRoundTrip(t *testing.T) {
	r := testRegistry(t)
	for _, crdName := range r.CRDs() {
		crd := testCRD(t, crdName)
		for _, from := range crd.Spec.Versions {
			file := filepath.Join(objectsDir, crdName, from.Name+".yaml")
			if _, err := os.Stat(file); err != nil {
				t.Errorf("%s: no test object of version %s: %v", crdName, from.Name, err)
				continue
			}
			for _, to := range crd.Spec.Versions {
				t.Run(crdName+"/"+from.Name+"-to-"+to.Name, func(t *testing.T) {
					roundTrip(t, crdName, crd.Spec.Group, from.Name, to.Name)
				})
			}
		}
	}
}

func roundTrip(t *testing.T, crd, group, from, to string) {
	source := schemaOf(t, crd, from)
	original := source.stored(corpusObject(t, crd, from))
	target := schemaOf(t, crd, to)

	converted := mustConvert(t, crd, original, group+"/"+to)
	checkIdentity(t, original, converted)
	if pruned := target.pruned(converted); len(pruned) > 0 {
		t.Errorf("converted object holds fields %s would prune: %v", to, pruned)
	}
	var errs []string
	for _, e := range target.validate(converted) {
		errs = append(errs, e.Error())
	}
	if want := unfillable[[3]string{crd, from, to}]; !slices.Equal(errs, want) {
		t.Errorf("validation errors of the converted object: got %q, want %q", errs, want)
	}

	back := mustConvert(t, crd, converted, group+"/"+from)
	assertJSONEqual(t, "back in "+from, original, source.stored(back))

	// The API server defaults what it reads and writes; a round trip
	// through the defaulted object gives the original too.
	back = mustConvert(t, crd, target.stored(converted), group+"/"+from)
	assertJSONEqual(t, "back in "+from+" through the defaulted "+to, original, source.stored(back))
}

// checkIdentity checks what the API server rejects a conversion for
// changing.
func checkIdentity(t *testing.T, original, converted map[string]any) {
	t.Helper()
	if converted["kind"] != original["kind"] {
		t.Errorf("kind: got %v, want %v", converted["kind"], original["kind"])
	}
	om, _ := original["metadata"].(map[string]any)
	cm, _ := converted["metadata"].(map[string]any)
	for _, key := range []string{"name", "namespace", "uid", "labels"} {
		assertJSONEqual(t, "metadata."+key, om[key], cm[key])
	}
}
