package conversion

import (
	"encoding/json"
	"hash/fnv"
	"math/rand"
	"slices"
	"sort"
	"testing"

	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/randfill/bytesource"
)

// generatedPerVersion is how many objects TestGeneratedRoundTrip makes of
// each version.
const generatedPerVersion = 100

// maxRejectedShare bounds the share of generated objects that their own
// version's schema may reject (and the test skips), so that a generator
// gone wrong cannot make the test pass by testing nothing.
const maxRejectedShare = 0.2

// generatedVersion is a version the generator fills, of a multi-version CRD.
type generatedVersion struct{ crd, version string }

// generatedVersions lists typedRoots, sorted.
func generatedVersions() []generatedVersion {
	var out []generatedVersion
	for crd, versions := range typedRoots {
		for v := range versions {
			out = append(out, generatedVersion{crd, v})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].crd+"/"+out[i].version < out[j].crd+"/"+out[j].version
	})
	return out
}

// TestGeneratedRoundTrip converts objects generated from the Go types of
// every version to every other served version and back.
func TestGeneratedRoundTrip(t *testing.T) {
	for _, gv := range generatedVersions() {
		t.Run(gv.crd+"/"+gv.version, func(t *testing.T) {
			rejected, stashed, reached, reasons := 0, 0, map[string]bool{}, map[string]int{}
			for i := range generatedPerVersion {
				r := rand.New(rand.NewSource(seedOf(gv, i)))
				stored, errs := storedGenerated(t, r, gv)
				if len(errs) > 0 {
					rejected++
					reasons[errs[0].Type.String()+" "+errs[0].Field]++
					continue
				}
				collectPaths(stored, "", reached)
				stashed += checkAllRoundTrips(t, gv, stored)
			}
			t.Logf("%d of %d generated objects valid; %d conversions stashed fields",
				generatedPerVersion-rejected, generatedPerVersion, stashed)
			if share := float64(rejected) / generatedPerVersion; share > maxRejectedShare {
				t.Errorf("its own schema rejects %d of %d generated objects, for (first error, count): %v",
					rejected, generatedPerVersion, reasons)
			}
			if missing := unreached(schemaOf(t, gv.crd, gv.version).structural, reached); len(missing) > 0 {
				t.Errorf("no valid generated object has the fields %v", missing)
			}
		})
	}
}

// FuzzGeneratedRoundTrip is TestGeneratedRoundTrip with the generator
// drawing from the fuzzer's bytes, seeded with the corpus objects'.
func FuzzGeneratedRoundTrip(f *testing.F) {
	versions := generatedVersions()
	for _, c := range corpusObjects(f) {
		i := slices.Index(versions, generatedVersion{c.crd, c.version})
		if i < 0 {
			continue
		}
		data, err := json.Marshal(c.obj)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), data)
	}
	f.Fuzz(func(t *testing.T, pick uint8, data []byte) {
		gv := versions[int(pick)%len(versions)]
		stored, errs := storedGenerated(t, rand.New(bytesource.New(data)), gv)
		if len(errs) == 0 {
			_ = checkAllRoundTrips(t, gv, stored)
		}
	})
}

// seedOf is the seed of the i-th generated object of a version.
func seedOf(gv generatedVersion, i int) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(gv.crd + "/" + gv.version))
	return int64(h.Sum64()>>1) + int64(i)
}

// storedGenerated generates an object and returns it as the API server
// would store it in its version, with what that version's schema finds
// wrong with it.
func storedGenerated(t testing.TB, r *rand.Rand, gv generatedVersion) (map[string]any, field.ErrorList) {
	t.Helper()
	source := schemaOf(t, gv.crd, gv.version)
	stored := serverStored(source.stored(generate(t, r, gv.crd, gv.version)))
	return stored, source.validate(stored)
}

// checkAllRoundTrips converts stored, a valid object of gv's version, to
// every other version and back, both as converted and as the API server
// keeps the converted object (pruned and defaulted in its version). It
// returns how many of the conversions stashed fields.
func checkAllRoundTrips(t *testing.T, gv generatedVersion, stored map[string]any) int {
	t.Helper()
	stashed := 0
	group := testCRD(t, gv.crd).Spec.Group
	for _, to := range testCRD(t, gv.crd).Spec.Versions {
		if to.Name == gv.version || !to.Served {
			continue
		}
		out, err := testRegistry(t).Convert(gv.crd, runtime.DeepCopyJSON(stored), group+"/"+to.Name)
		if err != nil {
			t.Fatalf("convert a valid %s object to %s: %v\nobject: %s", gv.version, to.Name, err, canonical(t, stored))
		}
		target := schemaOf(t, gv.crd, to.Name)
		if stashOf(t, out) != nil {
			stashed++
		}
		checkConverted(t, target, out, true)
		checkIdentity(t, stored, out)
		checkMetadataKept(t, stored, out)
		checkBack(t, gv, stored, out, "converted to "+to.Name)
		checkBack(t, gv, stored, target.stored(out), "converted to "+to.Name+" and stored")
		if t.Failed() {
			t.Fatalf("object: %s", canonical(t, stored))
		}
	}
	return stashed
}

// checkBack converts out back to gv's version and compares it, as the API
// server would store it, with stored.
func checkBack(t *testing.T, gv generatedVersion, stored, out map[string]any, what string) {
	t.Helper()
	desired := testCRD(t, gv.crd).Spec.Group + "/" + gv.version
	back, err := testRegistry(t).Convert(gv.crd, runtime.DeepCopyJSON(out), desired)
	if err != nil {
		t.Errorf("%s, but not back: %v", what, err)
		return
	}
	assertJSONEqual(t, what+" and back", stored, serverStored(schemaOf(t, gv.crd, gv.version).stored(back)))
}

// checkMetadataKept checks that conversion kept every piece of metadata
// other than the stash annotation, beyond what checkIdentity looks at.
func checkMetadataKept(t *testing.T, stored, converted map[string]any) {
	t.Helper()
	meta := func(obj map[string]any) any {
		m := runtime.DeepCopyJSONValue(obj["metadata"])
		if mm, ok := m.(map[string]any); ok {
			if a, ok := mm["annotations"].(map[string]any); ok {
				delete(a, StashAnnotation)
				if len(a) == 0 {
					delete(mm, "annotations")
				}
			}
		}
		return m
	}
	assertJSONEqual(t, "metadata", meta(stored), meta(converted))
}

// collectPaths adds the dotted paths of every object key in v, list
// indices left out, metadata left out.
func collectPaths(v any, prefix string, into map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			if prefix == "" && (k == "metadata" || k == "apiVersion" || k == "kind") {
				continue
			}
			into[prefix+k] = true
			collectPaths(child, prefix+k+".", into)
		}
	case []any:
		for _, child := range x {
			collectPaths(child, prefix, into)
		}
	}
}

// unreached returns the dotted paths of the properties of s that are not
// in reached, sorted.
func unreached(s *structuralschema.Structural, reached map[string]bool) []string {
	var out []string
	var walk func(s *structuralschema.Structural, prefix string)
	walk = func(s *structuralschema.Structural, prefix string) {
		if s.Items != nil {
			walk(s.Items, prefix)
		}
		for k, p := range s.Properties {
			if prefix == "" && (k == "metadata" || k == "apiVersion" || k == "kind") {
				continue
			}
			if !reached[prefix+k] {
				out = append(out, prefix+k)
			}
			walk(&p, prefix+k+".")
		}
	}
	walk(s, "")
	sort.Strings(out)
	return out
}
