package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// objectsDir holds, per CRD, one valid custom resource of each version
// (<version>.yaml) and invalid variants (<version>.invalid-<what>.yaml).
const objectsDir = "../testdata/objects"

// testObject is one custom resource read from the test data.
type testObject struct {
	file string
	obj  *unstructured.Unstructured
}

// objectsOf returns the valid object and the invalid variants of one CRD
// version.
func objectsOf(crd, version string) (valid *testObject, invalid []*testObject, err error) {
	dir := filepath.Join(objectsDir, crd)
	valid, err = readObject(filepath.Join(dir, version+".yaml"))
	if err != nil {
		return nil, nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, version+".invalid-*.yaml"))
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(files)
	for _, f := range files {
		o, err := readObject(f)
		if err != nil {
			return nil, nil, err
		}
		invalid = append(invalid, o)
	}
	return valid, invalid, nil
}

// versionsWithObjects lists the versions a CRD's test data covers.
func versionsWithObjects(crd string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(objectsDir, crd, "*.yaml"))
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, f := range files {
		seen[strings.SplitN(filepath.Base(f), ".", 2)[0]] = true
	}
	var out []string
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out, nil
}

func readObject(path string) (*testObject, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	obj := &unstructured.Unstructured{}
	if err := yaml.UnmarshalStrict(data, &obj.Object); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &testObject{file: filepath.Base(path), obj: obj}, nil
}

// missingFrom returns the first place where want holds something got does
// not, or "" when got contains all of want. Lists must have the same length
// and contain their counterparts element by element; server-set metadata in
// got is ignored because only what want holds is compared.
func missingFrom(want, got any, path string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: want an object, got %v", path, got)
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				return fmt.Sprintf("%s.%s: missing", path, k)
			}
			if d := missingFrom(wv, gv, path+"."+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: want %v, got %v", path, want, got)
		}
		for i := range w {
			if d := missingFrom(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	default:
		if !reflect.DeepEqual(normalizeNumber(want), normalizeNumber(got)) {
			return fmt.Sprintf("%s: want %v (%T), got %v (%T)", path, want, want, got, got)
		}
		return ""
	}
}

// normalizeNumber makes the JSON numbers of YAML test data (float64 or
// int64) comparable with those of the API server's answer.
func normalizeNumber(v any) any {
	switch n := v.(type) {
	case int64:
		return float64(n)
	case int:
		return float64(n)
	default:
		return v
	}
}
