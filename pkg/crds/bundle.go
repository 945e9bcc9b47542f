// Package crds holds the CRD bundle this binary carries, and the logic that
// plans and applies it to a cluster.
package crds

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	runtimejson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/flomesh-io/init-osm-bootstrap/manifests"
)

// manifestExt is the extension of the manifest files in a bundle.
const manifestExt = ".yaml"

// Bundle is a validated set of CRDs, sorted by name.
type Bundle struct {
	crds []*apiextensionsv1.CustomResourceDefinition
}

// Embedded loads and validates the bundle embedded in the binary.
func Embedded() (*Bundle, error) {
	return Load(manifests.CRDs())
}

// Load reads every *.yaml file at the root of fsys as one CRD, decodes it
// strictly (unknown or duplicate fields are errors) and validates it the way
// the API server would on create. Errors name the file.
func Load(fsys fs.FS) (*Bundle, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read bundle: %w", err)
	}

	var names []string
	for _, e := range entries {
		if !e.IsDir() && path.Ext(e.Name()) == manifestExt {
			names = append(names, e.Name())
		}
	}

	// Files load in parallel: decoding YAML dominates the binary's start.
	decoder := newStrictDecoder()
	crds := make([]*apiextensionsv1.CustomResourceDefinition, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			crds[i], errs[i] = loadFile(fsys, name, decoder)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("%s: %w", name, errs[i])
			}
		}()
	}
	wg.Wait()
	b := &Bundle{crds: crds}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("invalid bundle: %w", err)
	}
	if len(names) == 0 {
		return nil, errors.New("invalid bundle: no CRD manifests")
	}

	sort.Slice(b.crds, func(i, j int) bool { return b.crds[i].Name < b.crds[j].Name })
	return b, nil
}

// CRDs returns deep copies of the bundle's CRDs, sorted by name.
func (b *Bundle) CRDs() []*apiextensionsv1.CustomResourceDefinition {
	out := make([]*apiextensionsv1.CustomResourceDefinition, len(b.crds))
	for i, crd := range b.crds {
		out[i] = crd.DeepCopy()
	}
	return out
}

// Get returns a deep copy of the named CRD, or nil when the bundle does not
// carry it.
func (b *Bundle) Get(name string) *apiextensionsv1.CustomResourceDefinition {
	i := sort.Search(len(b.crds), func(i int) bool { return b.crds[i].Name >= name })
	if i == len(b.crds) || b.crds[i].Name != name {
		return nil
	}
	return b.crds[i].DeepCopy()
}

// Names returns the names of the bundle's CRDs, sorted.
func (b *Bundle) Names() []string {
	names := make([]string, len(b.crds))
	for i, crd := range b.crds {
		names[i] = crd.Name
	}
	return names
}

func loadFile(fsys fs.FS, name string, decoder runtime.Decoder) (*apiextensionsv1.CustomResourceDefinition, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	doc, err := singleDocument(data)
	if err != nil {
		return nil, err
	}

	// One strict YAML pass (duplicate keys are errors), then strict JSON
	// decoding (unknown fields are errors).
	data, err = yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	obj, gvk, err := decoder.Decode(data, nil, crd)
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if obj != crd {
		return nil, fmt.Errorf("decode: got %s, want a CustomResourceDefinition", gvk)
	}

	if want := strings.TrimSuffix(name, manifestExt); crd.Name != want {
		return nil, fmt.Errorf("holds CRD %q, but the file name says %q", crd.Name, want)
	}
	if err := validate(crd); err != nil {
		return nil, err
	}
	return crd, nil
}

// singleDocument returns the only non-empty YAML document in data.
func singleDocument(data []byte) ([]byte, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var found []byte
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read YAML: %w", err)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		if found != nil {
			return nil, errors.New("holds more than one YAML document; one CRD per file")
		}
		found = doc
	}
	if found == nil {
		return nil, errors.New("holds no YAML document")
	}
	return found, nil
}

// newStrictDecoder returns a decoder for apiextensions.k8s.io/v1 objects
// that rejects unknown and duplicate fields instead of dropping them.
func newStrictDecoder() runtime.Decoder {
	scheme := runtime.NewScheme()
	// AddToScheme only fails on conflicting registrations in a fresh scheme,
	// which cannot happen here.
	_ = apiextensionsv1.AddToScheme(scheme)
	return runtimejson.NewSerializerWithOptions(runtimejson.DefaultMetaFactory, scheme, scheme,
		runtimejson.SerializerOptions{Strict: true})
}

// stripComments drops full-line YAML comments, so that a document made only
// of a license header counts as empty.
func stripComments(doc []byte) []byte {
	var out bytes.Buffer
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			continue
		}
		out.Write(line)
		out.WriteByte('\n')
	}
	return out.Bytes()
}
