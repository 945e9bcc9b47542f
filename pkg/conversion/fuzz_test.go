package conversion

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// fuzzObject is a corpus object the fuzz tests start from.
type fuzzObject struct {
	crd, group, version string
	versions            []string
	obj                 map[string]any
}

var fuzzObjectsOnce sync.Once
var fuzzObjects []fuzzObject

// corpusObjects returns the valid corpus object of every version of every
// bundled CRD, sorted.
func corpusObjects(t testing.TB) []fuzzObject {
	fuzzObjectsOnce.Do(func() {
		for _, name := range testRegistry(t).CRDs() {
			crd := testCRD(t, name)
			var versions []string
			for _, v := range crd.Spec.Versions {
				versions = append(versions, v.Name)
			}
			for _, v := range versions {
				file := filepath.Join(objectsDir, name, v+".yaml")
				if _, err := os.Stat(file); err != nil {
					continue
				}
				fuzzObjects = append(fuzzObjects, fuzzObject{crd: name, group: crd.Spec.Group, version: v,
					versions: versions, obj: readObject(t, file)})
			}
		}
	})
	return fuzzObjects
}

// FuzzRoundTrip mutates corpus objects at random and converts them, as the
// API server would store them, to another version and back: an error or a
// result, never a panic. The converted object holds nothing its version
// would prune. When the stored object is valid in its version, as every
// object the API server accepts is, the converted one misses at most
// fields its version requires, and the way back gives the stored object.
// An invalid object need only convert back.
func FuzzRoundTrip(f *testing.F) {
	for i := range corpusObjects(f) {
		for target := range 4 {
			f.Add(uint8(i), uint8(target), []byte{})
			f.Add(uint8(i), uint8(target), []byte{2, 7, 3, 0, 9, 1, 4, 2, 5})
		}
	}
	f.Fuzz(func(t *testing.T, pick, target uint8, ops []byte) {
		objects := corpusObjects(t)
		c := objects[int(pick)%len(objects)]
		to := c.versions[int(target)%len(c.versions)]
		source := schemaOf(t, c.crd, c.version)

		obj := runtime.DeepCopyJSON(c.obj)
		mutate(obj, ops)
		stored := serverStored(source.stored(obj))
		valid := len(source.validate(stored)) == 0

		converted, err := testRegistry(t).Convert(c.crd, runtime.DeepCopyJSON(stored), c.group+"/"+to)
		if err != nil {
			return
		}
		checkConverted(t, schemaOf(t, c.crd, to), converted, valid)

		back, err := testRegistry(t).Convert(c.crd, runtime.DeepCopyJSON(converted), c.group+"/"+c.version)
		if err != nil {
			t.Fatalf("converted to %s, but not back to %s: %v", to, c.version, err)
		}
		if !valid {
			return
		}
		assertJSONEqual(t, "back in "+c.version, stored, serverStored(source.stored(back)))
	})
}

func checkConverted(t *testing.T, target *apiSchema, converted map[string]any, valid bool) {
	t.Helper()
	if pruned := target.pruned(converted); len(pruned) > 0 {
		t.Errorf("converted object holds fields its version prunes: %v", pruned)
	}
	if !valid {
		return
	}
	for _, e := range target.validate(converted) {
		if e.Type != field.ErrorTypeRequired {
			t.Errorf("converted object of a valid one is invalid: %v", e)
		}
	}
}

// serverStored drops an empty annotations object, as the API server does
// not keep one.
func serverStored(obj map[string]any) map[string]any {
	dropEmptyAnnotations(obj)
	return obj
}

// FuzzConvert converts arbitrary JSON: an error or an object, never a
// panic.
func FuzzConvert(f *testing.F) {
	for i, c := range corpusObjects(f) {
		data, err := json.Marshal(c.obj)
		if err != nil {
			f.Fatal(err)
		}
		for target := range 4 {
			f.Add(data, uint8(i), uint8(target))
		}
	}
	f.Add([]byte(`[1,2]`), uint8(0), uint8(0))
	f.Add([]byte(`{"apiVersion":"access.smi-spec.io/v1alpha1","kind":"TrafficTarget","metadata":{"annotations":{"`+
		StashAnnotation+`":"{\"v\":1,\"to\":\"v1alpha1\",\"fields\":{\"/spec\":1}}"}},"spec":{"rules":[]}}`),
		uint8(0), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, pick, target uint8) {
		var obj any
		if utiljson.Unmarshal(data, &obj) != nil {
			return
		}
		objects := corpusObjects(t)
		c := objects[int(pick)%len(objects)]
		desired := c.group + "/" + c.versions[int(target)%len(c.versions)]
		out, err := testRegistry(t).Convert(c.crd, obj, desired)
		if err == nil && out["apiVersion"] != desired {
			t.Errorf("apiVersion: got %v, want %s", out["apiVersion"], desired)
		}
	})
}

// fuzzKeys and fuzzValues are what mutate adds: field names and values
// that the versions name, move, default or reject.
var (
	fuzzKeys = []string{"port", "kind", "name", "spec", "specs", "rules", "matches", "destination", "sources",
		"interceptionMode", "sidecarClass", "tlsMinProtocolVersion", "localProxyMode", "headers", "weight", "x", "a/b~c", ""}
	fuzzValues = []any{nil, true, int64(0), int64(14001), 1.5, "", "none", "UDPRoute", "TLSv1_2", "Localhost",
		"HTTPRouteGroup", "pipy", map[string]any{}, []any{}, map[string]any{"kind": "UDPRoute", "name": "u"}, []any{"x"}}
)

// mutate changes obj as ops say, each op taking two bytes: what to do and
// where, and a third for what, when needed. metadata other than labels and
// annotations stays, as the API server keeps it.
func mutate(obj map[string]any, ops []byte) {
	for len(ops) >= 3 {
		op, where, what := ops[0], ops[1], ops[2]
		ops = ops[3:]
		paths := valuePaths(obj)
		if len(paths) == 0 {
			return
		}
		p := paths[int(where)%len(paths)]
		v := runtime.DeepCopyJSONValue(fuzzValues[int(what)%len(fuzzValues)])
		switch op % 4 {
		case 0:
			edit(obj, p, func(c any, last string) (any, bool) { return replace(c, last, v) })
		case 1:
			edit(obj, p, remove)
		case 2:
			edit(obj, p.child(fuzzKeys[int(what)%len(fuzzKeys)]), fill(v))
		case 3:
			edit(obj, p.child("999"), fill(v))
		}
	}
}

func replace(container any, last string, v any) (any, bool) {
	switch c := container.(type) {
	case map[string]any:
		c[last] = v
		return c, true
	case []any:
		if i, ok := index(last); ok && i < len(c) {
			c[i] = v
			return c, true
		}
	}
	return container, false
}

// valuePaths lists the paths of every value in obj below the root, sorted,
// but of metadata only labels, annotations and what they hold.
func valuePaths(obj map[string]any) []path {
	var out []path
	var walk func(v any, p path)
	walk = func(v any, p path) {
		switch x := v.(type) {
		case map[string]any:
			for k, child := range x {
				if len(p) == 0 && k == "metadata" {
					walk(child, p.child(k))
					continue
				}
				if len(p) == 1 && p[0] == "metadata" && k != "labels" && k != "annotations" {
					continue
				}
				out = append(out, p.child(k))
				walk(child, p.child(k))
			}
		case []any:
			for i, child := range x {
				q := p.child(itoa(i))
				out = append(out, q)
				walk(child, q)
			}
		}
	}
	walk(obj, nil)
	sort.Slice(out, func(i, j int) bool { return comparePaths(out[i], out[j]) < 0 })
	return out
}

func itoa(i int) string {
	data, _ := json.Marshal(i)
	return string(data)
}
