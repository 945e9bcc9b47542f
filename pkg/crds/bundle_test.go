package crds

import (
	"strings"
	"testing"
	"testing/fstest"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// widgetCRD is a valid CRD manifest; cases below break it one way each.
const widgetCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  versions:
  - name: v1alpha1
    served: true
    storage: STORAGE1
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
  - name: v1alpha2
    served: true
    storage: STORAGE2
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            SPECTYPE
            properties:
              size: {type: integer}
`

func widget(replacements ...string) string {
	defaults := map[string]string{"STORAGE1": "false", "STORAGE2": "true", "SPECTYPE": "type: object"}
	for i := 0; i+1 < len(replacements); i += 2 {
		defaults[replacements[i]] = replacements[i+1]
	}
	out := widgetCRD
	for k, v := range defaults {
		out = strings.ReplaceAll(out, k, v)
	}
	return out
}

func TestLoad(t *testing.T) {
	cases := []struct {
		name    string
		files   map[string]string
		wantErr []string // substrings the error must contain; none: success
	}{
		{
			name:  "a valid CRD loads",
			files: map[string]string{"widgets.example.com.yaml": widget()},
		},
		{
			name:  "a license header before the document is fine",
			files: map[string]string{"widgets.example.com.yaml": "# Copyright\n---\n" + widget()},
		},
		{
			name:    "two storage versions",
			files:   map[string]string{"widgets.example.com.yaml": widget("STORAGE1", "true")},
			wantErr: []string{"widgets.example.com.yaml", "2 storage versions [v1alpha1 v1alpha2]"},
		},
		{
			name:    "no storage version",
			files:   map[string]string{"widgets.example.com.yaml": widget("STORAGE2", "false")},
			wantErr: []string{"widgets.example.com.yaml", "0 storage versions"},
		},
		{
			name:    "a file named after another CRD",
			files:   map[string]string{"gadgets.example.com.yaml": widget()},
			wantErr: []string{"gadgets.example.com.yaml", `holds CRD "widgets.example.com"`},
		},
		{
			name:    "a non-structural schema",
			files:   map[string]string{"widgets.example.com.yaml": widget("SPECTYPE", "")},
			wantErr: []string{"widgets.example.com.yaml", "properties[spec].type", "must not be empty for specified object fields"},
		},
		{
			name:    "an unknown field is refused, not dropped",
			files:   map[string]string{"widgets.example.com.yaml": widget("SPECTYPE", "type: object\n            colour: red")},
			wantErr: []string{"widgets.example.com.yaml", `unknown field "spec.versions[1].schema.openAPIV3Schema.properties.spec.colour"`},
		},
		{
			name:    "two documents in one file",
			files:   map[string]string{"widgets.example.com.yaml": widget() + "---\n" + widget()},
			wantErr: []string{"widgets.example.com.yaml", "more than one YAML document"},
		},
		{
			name:    "a conversion stanza",
			files:   map[string]string{"widgets.example.com.yaml": strings.Replace(widget(), "  scope:", "  conversion: {strategy: None}\n  scope:", 1)},
			wantErr: []string{"widgets.example.com.yaml", "spec.conversion must not be set"},
		},
		{
			name:    "not a CRD",
			files:   map[string]string{"widgets.example.com.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"},
			wantErr: []string{"widgets.example.com.yaml", "decode"},
		},
		{
			name:    "an empty bundle",
			files:   map[string]string{"README.md": "not a manifest"},
			wantErr: []string{"no CRD manifests"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, content := range tc.files {
				fsys[name] = &fstest.MapFile{Data: []byte(content)}
			}

			b, err := Load(fsys)

			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if got := b.Names(); len(got) != 1 || got[0] != "widgets.example.com" {
					t.Errorf("names = %v", got)
				}
				return
			}
			if err == nil {
				t.Fatal("loaded a broken bundle without error")
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestEmbeddedBundle(t *testing.T) {
	b, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, crd := range b.CRDs() {
		want := "openservicemesh.io"
		if crd.Spec.Group == "flomesh.io" {
			want = "flomesh.io"
		}
		if got := crd.Labels["app.kubernetes.io/name"]; got != want {
			t.Errorf("%s: label app.kubernetes.io/name = %q, want %q", crd.Name, got, want)
		}
		if len(crd.Spec.Versions) > 1 {
			checkDeprecations(t, crd.Name, crd.Spec.Versions)
		}
	}
}

// checkDeprecations asserts that every version of a multi-version CRD is
// served, that the storage version is the one not deprecated, and that every
// other version's warning names the storage version.
func checkDeprecations(t *testing.T, name string, versions []apiextensionsv1.CustomResourceDefinitionVersion) {
	t.Helper()
	var storage string
	for _, v := range versions {
		if v.Storage {
			storage = v.Name
		}
	}
	for _, v := range versions {
		if !v.Served {
			t.Errorf("%s %s: not served", name, v.Name)
		}
		if v.Storage {
			if v.Deprecated {
				t.Errorf("%s %s: the storage version is deprecated", name, v.Name)
			}
			continue
		}
		if !v.Deprecated || v.DeprecationWarning == nil {
			t.Errorf("%s %s: an older version must be deprecated with a warning", name, v.Name)
			continue
		}
		if !strings.Contains(*v.DeprecationWarning, "/"+storage+" ") {
			t.Errorf("%s %s: warning %q does not name %s", name, v.Name, *v.DeprecationWarning, storage)
		}
	}
}
