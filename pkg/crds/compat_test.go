package crds

import (
	"encoding/json"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

// gadgetSchema is the schema of both versions of gadgetCRD: one node of
// every shape Compare walks (nested objects, lists of objects, lists of
// lists, maps of scalars and of objects, preserved unknown fields).
const gadgetSchema = `
type: object
properties:
  apiVersion: {type: string}
  kind: {type: string}
  metadata: {type: object}
  spec:
    type: object
    description: what the gadget does
    required: [mode]
    properties:
      mode: {type: string, enum: [a, b, c], description: how}
      level: {type: string, enum: [info, false]}
      port: {type: integer, minimum: 1, maximum: 65535}
      ratio: {type: integer}
      name: {type: string, maxLength: 63, pattern: "^[a-z]+$"}
      hosts: {type: array, items: {type: string}}
      sidecar:
        type: object
        properties:
          localDNSProxy:
            type: object
            properties:
              primaryUpstreamDNSServerIPAddr: {type: string}
              secondaryUpstreamDNSServerIPAddr: {type: string}
      rules:
        type: array
        items:
          type: object
          required: [kind]
          properties:
            kind: {type: string, enum: [HTTPRouteGroup, TCPRoute]}
            name: {type: string}
            matches: {type: array, items: {type: string}}
      matrix:
        type: array
        items:
          type: array
          items:
            type: object
            properties:
              weight: {type: integer}
      labels:
        type: object
        additionalProperties: {type: string}
      backends:
        type: object
        additionalProperties:
          type: object
          properties:
            protocol: {type: string, enum: [http, tcp, grpc]}
            weight: {type: integer}
      plugins:
        type: object
        x-kubernetes-preserve-unknown-fields: true
        properties:
          chain: {type: string}
  status:
    type: object
    nullable: true
    properties:
      phase: {type: string}
`

// gadgetCRD returns a CRD with a served v1beta1 and a stored v1 of the
// same schema.
func gadgetCRD(t *testing.T) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	schema := &apiextensionsv1.JSONSchemaProps{}
	if err := yaml.UnmarshalStrict([]byte(gadgetSchema), schema); err != nil {
		t.Fatalf("decode gadget schema: %v", err)
	}
	version := func(name string, storage bool) apiextensionsv1.CustomResourceDefinitionVersion {
		return apiextensionsv1.CustomResourceDefinitionVersion{
			Name: name, Served: true, Storage: storage,
			Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: schema.DeepCopy()},
		}
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	crd.Name = "gadgets.example.com"
	crd.Spec = apiextensionsv1.CustomResourceDefinitionSpec{
		Group:    "example.com",
		Scope:    apiextensionsv1.NamespaceScoped,
		Names:    apiextensionsv1.CustomResourceDefinitionNames{Plural: "gadgets", Kind: "Gadget"},
		Versions: []apiextensionsv1.CustomResourceDefinitionVersion{version("v1beta1", false), version("v1", true)},
	}
	return crd
}

// crdEdit changes a copy of gadgetCRD.
type crdEdit func(t *testing.T, c *apiextensionsv1.CustomResourceDefinition)

// editVersion changes one version.
func editVersion(version string, f func(v *apiextensionsv1.CustomResourceDefinitionVersion)) crdEdit {
	return func(t *testing.T, c *apiextensionsv1.CustomResourceDefinition) {
		t.Helper()
		f(versionNamed(t, c, version))
	}
}

// editNode changes the schema node at path in one version.
func editNode(version, path string, f func(s *apiextensionsv1.JSONSchemaProps)) crdEdit {
	return func(t *testing.T, c *apiextensionsv1.CustomResourceDefinition) {
		t.Helper()
		p, err := parseSchemaPath(path)
		if err != nil {
			t.Fatal(err)
		}
		editSchemaAt(t, versionNamed(t, c, version).Schema.OpenAPIV3Schema, p, f)
	}
}

// dropField removes the property name from the node at path.
func dropField(version, path, name string) crdEdit {
	return editNode(version, path, func(s *apiextensionsv1.JSONSchemaProps) {
		delete(s.Properties, name)
	})
}

func versionNamed(
	t *testing.T, c *apiextensionsv1.CustomResourceDefinition, name string,
) *apiextensionsv1.CustomResourceDefinitionVersion {
	t.Helper()
	for i := range c.Spec.Versions {
		if c.Spec.Versions[i].Name == name {
			return &c.Spec.Versions[i]
		}
	}
	t.Fatalf("no version %s", name)
	return nil
}

func editSchemaAt(
	t *testing.T, s *apiextensionsv1.JSONSchemaProps, p schemaPath, f func(*apiextensionsv1.JSONSchemaProps),
) {
	t.Helper()
	if len(p) == 0 {
		f(s)
		return
	}
	switch p[0].kind {
	case stepItems:
		editSchemaAt(t, s.Items.Schema, p[1:], f)
	case stepValues:
		editSchemaAt(t, s.AdditionalProperties.Schema, p[1:], f)
	default:
		child, ok := s.Properties[p[0].name]
		if !ok {
			t.Fatalf("no property %s", p[0].name)
		}
		editSchemaAt(t, &child, p[1:], f)
		s.Properties[p[0].name] = child
	}
}

// rewordAll sets every description in a schema, at any depth.
func rewordAll(s *apiextensionsv1.JSONSchemaProps) {
	s.Description = "reworded " + s.Description
	for name, child := range s.Properties {
		rewordAll(&child)
		s.Properties[name] = child
	}
	if s.Items != nil && s.Items.Schema != nil {
		rewordAll(s.Items.Schema)
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		rewordAll(s.AdditionalProperties.Schema)
	}
}

func enumOf(values ...string) []apiextensionsv1.JSON {
	out := make([]apiextensionsv1.JSON, len(values))
	for i, v := range values {
		out[i] = apiextensionsv1.JSON{Raw: []byte(v)}
	}
	return out
}

// Expected facts, by the attention they must carry.
func warn(kind FactKind, version, path, detail string) Fact {
	return Fact{Kind: kind, Version: version, Path: path, Detail: detail, Attention: true}
}

func note(kind FactKind, version, path, detail string) Fact {
	return Fact{Kind: kind, Version: version, Path: path, Detail: detail}
}

func ifUsed(kind FactKind, version, path, detail string) Fact {
	return Fact{Kind: kind, Version: version, Path: path, Detail: detail, AttentionIfUsed: true}
}

// Details of removed fields.
const (
	prunedDetail = "no longer in the schema: pruned from objects"
	keptDetail   = "no longer in the schema; kept as an unknown field"
	dnsServer2   = "spec.sidecar.localDNSProxy.secondaryUpstreamDNSServerIPAddr"
)

func TestCompare(t *testing.T) {
	cases := []struct {
		name  string
		edits []crdEdit
		want  []Fact
	}{
		{name: "identical CRDs give no facts"},
		{
			name: "descriptions never count",
			edits: []crdEdit{
				editNode("v1", ".", rewordAll),
				editNode("v1beta1", ".", rewordAll),
			},
		},
		{
			name: "what accepts more gives no facts",
			edits: []crdEdit{
				editNode("v1", "spec.mode", func(s *apiextensionsv1.JSONSchemaProps) {
					s.Enum = enumOf(`"a"`, `"b"`, `"c"`, `"d"`)
				}),
				editNode("v1", "spec.rules[].kind", func(s *apiextensionsv1.JSONSchemaProps) {
					s.Enum = nil
				}),
				editNode("v1", "spec.port", func(s *apiextensionsv1.JSONSchemaProps) {
					s.Minimum, s.Maximum = nil, ptr.To(70000.0)
				}),
				editNode("v1", "spec.name", func(s *apiextensionsv1.JSONSchemaProps) {
					s.MaxLength, s.Pattern = ptr.To(int64(253)), ""
				}),
				editNode("v1", "spec", func(s *apiextensionsv1.JSONSchemaProps) {
					s.Required = nil
					s.Properties["extra"] = apiextensionsv1.JSONSchemaProps{Type: "string"}
				}),
				editNode("v1", "spec.labels", func(s *apiextensionsv1.JSONSchemaProps) {
					s.AdditionalProperties = &apiextensionsv1.JSONSchemaPropsOrBool{Allows: true}
				}),
			},
		},
		{
			name:  "the root fields the server keeps may leave the schema",
			edits: []crdEdit{dropField("v1", ".", "metadata"), dropField("v1", ".", "apiVersion")},
		},
		{
			name: "a version added",
			edits: []crdEdit{func(t *testing.T, c *apiextensionsv1.CustomResourceDefinition) {
				v := c.Spec.Versions[1].DeepCopy()
				v.Name, v.Storage = "v2", false
				c.Spec.Versions = append(c.Spec.Versions, *v)
			}},
			want: []Fact{note(FactVersionAdded, "v2", "", "new version, served")},
		},
		{
			name: "a version removed, whatever its schema was",
			edits: []crdEdit{
				dropField("v1beta1", "spec", "mode"),
				func(t *testing.T, c *apiextensionsv1.CustomResourceDefinition) { c.Spec.Versions = c.Spec.Versions[1:] },
			},
			want: []Fact{warn(FactVersionRemoved, "v1beta1", "", "no longer in the CRD")},
		},
		{
			name: "a version newly deprecated",
			edits: []crdEdit{editVersion("v1beta1", func(v *apiextensionsv1.CustomResourceDefinitionVersion) {
				v.Deprecated, v.DeprecationWarning = true, ptr.To("use v1")
			})},
			want: []Fact{note(FactVersionDeprecated, "v1beta1", "", "deprecated: use v1")},
		},
		{
			name: "a version no longer served has no schema facts",
			edits: []crdEdit{
				editVersion("v1beta1", func(v *apiextensionsv1.CustomResourceDefinitionVersion) { v.Served = false }),
				dropField("v1beta1", "spec", "mode"),
			},
			want: []Fact{note(FactVersionUnserved, "v1beta1", "", "no longer served")},
		},
		{
			name: "the storage version changed",
			edits: []crdEdit{
				editVersion("v1", func(v *apiextensionsv1.CustomResourceDefinitionVersion) { v.Storage = false }),
				editVersion("v1beta1", func(v *apiextensionsv1.CustomResourceDefinitionVersion) { v.Storage = true }),
			},
			want: []Fact{warn(FactStorageChanged, "v1beta1", "", "storage version v1 -> v1beta1")},
		},
		{
			name:  "a field removed deep in nested objects",
			edits: []crdEdit{dropField("v1", "spec.sidecar.localDNSProxy", "secondaryUpstreamDNSServerIPAddr")},
			want:  []Fact{ifUsed(FactFieldRemoved, "v1", dnsServer2, prunedDetail)},
		},
		{
			name:  "a field removed from list items",
			edits: []crdEdit{dropField("v1", "spec.rules[]", "matches")},
			want:  []Fact{ifUsed(FactFieldRemoved, "v1", "spec.rules[].matches", prunedDetail)},
		},
		{
			name:  "a field removed from map values",
			edits: []crdEdit{dropField("v1beta1", "spec.backends{}", "weight")},
			want:  []Fact{ifUsed(FactFieldRemoved, "v1beta1", "spec.backends{}.weight", prunedDetail)},
		},
		{
			name: "map values no longer allowed",
			edits: []crdEdit{editNode("v1", "spec.labels", func(s *apiextensionsv1.JSONSchemaProps) {
				s.AdditionalProperties = nil
			})},
			want: []Fact{ifUsed(FactFieldRemoved, "v1", "spec.labels{}", prunedDetail)},
		},
		{
			name: "properties turned into a map are compared as its values",
			edits: []crdEdit{editNode("v1", "spec.sidecar", func(s *apiextensionsv1.JSONSchemaProps) {
				s.Properties = nil
				s.AdditionalProperties = &apiextensionsv1.JSONSchemaPropsOrBool{
					Allows: true,
					Schema: &apiextensionsv1.JSONSchemaProps{
						Type: "object",
						Properties: map[string]apiextensionsv1.JSONSchemaProps{
							"primaryUpstreamDNSServerIPAddr": {Type: "string"},
						},
					},
				}
			})},
			want: []Fact{ifUsed(FactFieldRemoved, "v1", dnsServer2, prunedDetail)},
		},
		{
			name:  "a field removed where unknown fields are kept",
			edits: []crdEdit{dropField("v1", "spec.plugins", "chain")},
			want:  []Fact{note(FactFieldRemoved, "v1", "spec.plugins.chain", keptDetail)},
		},
		{
			name: "unknown fields no longer preserved",
			edits: []crdEdit{editNode("v1", "spec.plugins", func(s *apiextensionsv1.JSONSchemaProps) {
				s.XPreserveUnknownFields = nil
			})},
			want: []Fact{warn(FactFieldRemoved, "v1", "spec.plugins",
				"unknown fields no longer preserved: they are pruned")},
		},
		{
			name: "a field newly required",
			edits: []crdEdit{editNode("v1", "spec", func(s *apiextensionsv1.JSONSchemaProps) {
				s.Required = []string{"port", "mode"}
			})},
			want: []Fact{warn(FactFieldRequired, "v1", "spec.port", "newly required")},
		},
		{
			name: "a field newly required inside list items",
			edits: []crdEdit{editNode("v1", "spec.rules[]", func(s *apiextensionsv1.JSONSchemaProps) {
				s.Required = append(s.Required, "name")
			})},
			want: []Fact{warn(FactFieldRequired, "v1", "spec.rules[].name", "newly required")},
		},
		{
			name: "a field newly required inside a list of lists",
			edits: []crdEdit{editNode("v1", "spec.matrix[][]", func(s *apiextensionsv1.JSONSchemaProps) {
				s.Required = []string{"weight"}
			})},
			want: []Fact{warn(FactFieldRequired, "v1", "spec.matrix[][].weight", "newly required")},
		},
		{
			name: "an enum narrowed",
			edits: []crdEdit{editNode("v1", "spec.rules[].kind", func(s *apiextensionsv1.JSONSchemaProps) {
				s.Enum = enumOf(`"TCPRoute"`)
			})},
			want: []Fact{warn(FactEnumNarrowed, "v1", "spec.rules[].kind", `values removed: "HTTPRouteGroup"`)},
		},
		{
			name: "an enum narrowed under additionalProperties",
			edits: []crdEdit{editNode("v1", "spec.backends{}.protocol", func(s *apiextensionsv1.JSONSchemaProps) {
				s.Enum = enumOf(`"tcp"`, `"http"`)
			})},
			want: []Fact{warn(FactEnumNarrowed, "v1", "spec.backends{}.protocol", `values removed: "grpc"`)},
		},
		{
			name: "an enum added to a field that had none",
			edits: []crdEdit{editNode("v1", "spec.hosts[]", func(s *apiextensionsv1.JSONSchemaProps) {
				s.Enum = enumOf(`"b.example.com"`, `"a.example.com"`)
			})},
			want: []Fact{warn(FactEnumNarrowed, "v1", "spec.hosts[]", `enum added: "a.example.com", "b.example.com"`)},
		},
		{
			name: "an enum value of the wrong type may go",
			edits: []crdEdit{editNode("v1", "spec.level", func(s *apiextensionsv1.JSONSchemaProps) {
				s.Enum = enumOf(`"info"`, `"off"`)
			})},
		},
		{
			name: "a type changed, and nothing below it compared",
			edits: []crdEdit{
				editNode("v1", "spec.port", func(s *apiextensionsv1.JSONSchemaProps) {
					s.Type = "string"
				}),
				editNode("v1", "spec.rules[]", func(s *apiextensionsv1.JSONSchemaProps) {
					*s = apiextensionsv1.JSONSchemaProps{Type: "string"}
				}),
			},
			want: []Fact{
				warn(FactTypeChanged, "v1", "spec.port", "type integer -> string"),
				warn(FactTypeChanged, "v1", "spec.rules[]", "type object -> string"),
			},
		},
		{
			name: "a type widened",
			edits: []crdEdit{
				editNode("v1", "spec.ratio", func(s *apiextensionsv1.JSONSchemaProps) {
					s.Type = "number"
				}),
				editNode("v1", "spec.name", func(s *apiextensionsv1.JSONSchemaProps) {
					s.Type, s.XIntOrString = "", true
				}),
			},
			want: []Fact{
				note(FactTypeChanged, "v1", "spec.name", "type string -> int-or-string (accepts more)"),
				note(FactTypeChanged, "v1", "spec.ratio", "type integer -> number (accepts more)"),
			},
		},
		{
			name: "constraints tightened",
			edits: []crdEdit{
				editNode("v1", "spec.port", func(s *apiextensionsv1.JSONSchemaProps) {
					s.Minimum, s.Maximum, s.MultipleOf = ptr.To(1024.0), ptr.To(49151.0), ptr.To(2.0)
				}),
				editNode("v1", "spec.name", func(s *apiextensionsv1.JSONSchemaProps) {
					s.MaxLength, s.MinLength = ptr.To(int64(15)), ptr.To(int64(1))
					s.Pattern, s.Format = "^[a-z]+[0-9]*$", "hostname"
				}),
				editNode("v1", "spec.hosts", func(s *apiextensionsv1.JSONSchemaProps) {
					s.MaxItems, s.XListType = ptr.To(int64(8)), ptr.To("set")
				}),
				editNode("v1", "spec.labels", func(s *apiextensionsv1.JSONSchemaProps) {
					s.MaxProperties = ptr.To(int64(10))
				}),
				editNode("v1", "status", func(s *apiextensionsv1.JSONSchemaProps) {
					s.Nullable = false
					s.XValidations = apiextensionsv1.ValidationRules{{Rule: "has(self.phase)"}}
				}),
			},
			want: []Fact{
				warn(FactConstraintTightened, "v1", "spec.hosts", "list type atomic -> set"),
				warn(FactConstraintTightened, "v1", "spec.hosts", "maxItems added: 8"),
				warn(FactConstraintTightened, "v1", "spec.labels", "maxProperties added: 10"),
				warn(FactConstraintTightened, "v1", "spec.name", "format added: hostname"),
				warn(FactConstraintTightened, "v1", "spec.name", "maxLength 63 -> 15"),
				warn(FactConstraintTightened, "v1", "spec.name", "minLength added: 1"),
				warn(FactConstraintTightened, "v1", "spec.name", "pattern ^[a-z]+$ -> ^[a-z]+[0-9]*$"),
				warn(FactConstraintTightened, "v1", "spec.port", "maximum 65535 -> 49151"),
				warn(FactConstraintTightened, "v1", "spec.port", "minimum 1 -> 1024"),
				warn(FactConstraintTightened, "v1", "spec.port", "multipleOf added: 2"),
				warn(FactConstraintTightened, "v1", "status", "no longer nullable"),
				warn(FactConstraintTightened, "v1", "status", "validation rule added: has(self.phase)"),
			},
		},
		{
			name: "a bound made exclusive, and combinators set",
			edits: []crdEdit{
				editNode("v1", "spec.port", func(s *apiextensionsv1.JSONSchemaProps) {
					s.ExclusiveMinimum = true
				}),
				editNode("v1", "spec.sidecar", func(s *apiextensionsv1.JSONSchemaProps) {
					s.OneOf = []apiextensionsv1.JSONSchemaProps{{Required: []string{"localDNSProxy"}}}
				}),
			},
			want: []Fact{
				warn(FactConstraintTightened, "v1", "spec.port", "minimum 1 made exclusive"),
				warn(FactConstraintTightened, "v1", "spec.sidecar", "oneOf changed"),
			},
		},
		{
			name: "a bound on a type it does not apply to is ignored",
			edits: []crdEdit{editNode("v1", "spec.rules[]", func(s *apiextensionsv1.JSONSchemaProps) {
				s.Minimum, s.MaxLength = ptr.To(1.0), ptr.To(int64(3))
			})},
		},
		{
			name: "facts of several versions come out sorted",
			edits: []crdEdit{
				dropField("v1", "spec", "name"),
				dropField("v1beta1", "spec.sidecar", "localDNSProxy"),
				editNode("v1", "spec", func(s *apiextensionsv1.JSONSchemaProps) {
					s.Required = []string{"mode", "hosts"}
				}),
				editVersion("v1beta1", func(v *apiextensionsv1.CustomResourceDefinitionVersion) { v.Deprecated = true }),
			},
			want: []Fact{
				warn(FactFieldRequired, "v1", "spec.hosts", "newly required"),
				ifUsed(FactFieldRemoved, "v1", "spec.name", prunedDetail),
				note(FactVersionDeprecated, "v1beta1", "", "deprecated"),
				ifUsed(FactFieldRemoved, "v1beta1", "spec.sidecar.localDNSProxy", prunedDetail),
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			live, next := gadgetCRD(t), gadgetCRD(t)
			for _, edit := range tc.edits {
				edit(t, next)
			}
			checkFacts(t, Compare(live, next), tc.want)
		})
	}
}

func TestCompareCreate(t *testing.T) {
	next := gadgetCRD(t)
	next.Spec.Versions[0].Served = false
	want := []Fact{
		note(FactVersionAdded, "v1", "", "new version, served"),
		note(FactVersionAdded, "v1beta1", "", "new version, not served"),
	}
	checkFacts(t, Compare(nil, next), want)
	checkFacts(t, Compare(gadgetCRD(t), nil), nil)
}

// TestCompareIsStable checks that the order of versions and the order of
// values within enums and required lists change nothing.
func TestCompareIsStable(t *testing.T) {
	live, next := gadgetCRD(t), gadgetCRD(t)
	dropField("v1", "spec", "rules")(t, next)
	dropField("v1beta1", "spec", "rules")(t, next)
	editNode("v1", "spec.mode", func(s *apiextensionsv1.JSONSchemaProps) { s.Enum = enumOf(`"c"`, `"b"`) })(t, next)
	want := Compare(live, next)
	if len(want) != 3 {
		t.Fatalf("want 3 facts to order, got %v", want)
	}

	reversed := next.DeepCopy()
	v := reversed.Spec.Versions
	v[0], v[1] = v[1], v[0]
	editNode("v1", "spec.mode", func(s *apiextensionsv1.JSONSchemaProps) {
		s.Enum = enumOf(`"b"`, `"c"`, `"b"`)
	})(t, reversed)
	editNode("v1", "spec", func(s *apiextensionsv1.JSONSchemaProps) {
		s.Required = []string{"mode", "mode"}
	})(t, reversed)
	for i := 0; i < 5; i++ {
		checkFacts(t, Compare(live, reversed), want)
	}
}

// TestCompareTrafficTargetFromOSMEdge139 compares the TrafficTarget CRD
// osm-edge v1.3.9 installed with the bundle's. v1alpha1 and v1alpha2 were
// not served and now are, deprecated: only the deprecation is a fact.
// v1.3.9's schemas lack apiVersion, kind and metadata, which the server
// keeps anyway, so the way back has no schema facts either.
func TestCompareTrafficTargetFromOSMEdge139(t *testing.T) {
	const name = "traffictargets.access.smi-spec.io"
	bundle, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	old := loadRelease(t, previousRelease)[name]
	if old == nil {
		t.Fatalf("osm-edge v1.3.9 lacks %s", name)
	}
	next := bundle.Get(name)

	deprecated := func(v string) Fact {
		return note(FactVersionDeprecated, v, "", "deprecated: access.smi-spec.io/"+v+
			" TrafficTarget is deprecated; use access.smi-spec.io/v1alpha3 TrafficTarget")
	}
	t.Run("upgrade", func(t *testing.T) {
		checkFacts(t, Compare(old, next), []Fact{deprecated("v1alpha1"), deprecated("v1alpha2")})
	})
	t.Run("rollback", func(t *testing.T) {
		checkFacts(t, Compare(next, old), []Fact{
			note(FactVersionUnserved, "v1alpha1", "", "no longer served"),
			note(FactVersionUnserved, "v1alpha2", "", "no longer served"),
		})
	})
}

// TestUpgradeFromOSMEdge139NeedsLittleAttention lists every fact that needs
// attention when the bundle replaces osm-edge v1.3.9's CRDs. A bundle
// change that adds one must be deliberate: check it and list it here.
func TestUpgradeFromOSMEdge139NeedsLittleAttention(t *testing.T) {
	bundle, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	old := loadRelease(t, previousRelease)
	want := map[string][]Fact{
		// Replaces v1.3.9's oneOf of required fields (see its intended changes).
		"meshrootcertificates.config.openservicemesh.io": {warn(FactConstraintTightened, "v1alpha2", "spec.provider",
			"validation rule added: (has(self.certManager)?1:0)+(has(self.vault)?1:0)+(has(self.tresor)?1:0) == 1")},
	}
	for _, name := range bundle.Names() {
		var got []Fact
		for _, f := range Compare(old[name], bundle.Get(name)) {
			if f.Attention || f.AttentionIfUsed {
				got = append(got, f)
			}
		}
		t.Run(name, func(t *testing.T) { checkFacts(t, got, want[name]) })
	}
}

func checkFacts(t *testing.T, got, want []Fact) {
	t.Helper()
	if len(got) == len(want) {
		same := true
		for i := range got {
			same = same && got[i] == want[i]
		}
		if same {
			return
		}
	}
	t.Errorf("facts:\n got %s\nwant %s", formatFacts(got), formatFacts(want))
}

func formatFacts(facts []Fact) string {
	if len(facts) == 0 {
		return "(none)"
	}
	lines := make([]string, len(facts))
	for i, f := range facts {
		lines[i] = "\n  " + f.String()
		if f.Attention {
			lines[i] += " [attention]"
		}
		if f.AttentionIfUsed {
			lines[i] += " [attention if used]"
		}
	}
	return strings.Join(lines, "")
}

func TestSchemasEqual(t *testing.T) {
	cases := []struct {
		name string
		a, b string // schemas in YAML; "nil" for none
		want bool
	}{
		{name: "two nil schemas", a: "nil", b: "nil", want: true},
		{name: "nil and an empty schema", a: "nil", b: "{}", want: false},
		{
			name: "descriptions, titles and examples are ignored",
			a:    "{type: object, description: a, properties: {x: {type: string, title: X, description: x, example: hi}}}",
			b:    "{type: object, properties: {x: {type: string}}}",
			want: true,
		},
		{
			name: "enum and required order are ignored",
			a:    "{type: object, required: [x, y], properties: {x: {type: string, enum: [a, b]}, y: {type: string}}}",
			b:    "{type: object, required: [y, x], properties: {x: {type: string, enum: [b, a]}, y: {type: string}}}",
			want: true,
		},
		{
			name: "defaults compare by value",
			a:    `{type: object, default: {"a": 1, "b": [true]}}`,
			b:    `{type: object, default: {"b": [true], "a": 1.0}}`,
			want: true,
		},
		{
			name: "spelled-out defaults of extensions are ignored",
			a: "{type: array, items: {type: string}, x-kubernetes-list-type: atomic, " +
				"x-kubernetes-preserve-unknown-fields: false}",
			b:    "{type: array, items: {type: string}}",
			want: true,
		},
		{
			name: "validation rule order is ignored",
			a:    "{type: object, x-kubernetes-validations: [{rule: a}, {rule: b}]}",
			b:    "{type: object, x-kubernetes-validations: [{rule: b}, {rule: a}]}",
			want: true,
		},
		{name: "a type", a: "{type: integer}", b: "{type: number}"},
		{name: "an enum value", a: "{type: string, enum: [a, b]}", b: "{type: string, enum: [a]}"},
		{name: "a default", a: "{type: string, default: a}", b: "{type: string, default: b}"},
		{
			name: "a field",
			a:    "{type: object, properties: {x: {type: string}}}",
			b:    "{type: object, properties: {x: {type: string}, y: {type: string}}}",
		},
		{
			name: "a nested bound",
			a:    "{type: array, items: {type: integer, maximum: 3}}",
			b:    "{type: array, items: {type: integer}}",
		},
		{
			name: "map values",
			a:    "{type: object, additionalProperties: {type: string}}",
			b:    "{type: object, additionalProperties: {type: integer}}",
		},
		{
			name: "preserving unknown fields",
			a:    "{type: object, x-kubernetes-preserve-unknown-fields: true}",
			b:    "{type: object}",
		},
		{name: "nullable", a: "{type: string, nullable: true}", b: "{type: string}"},
		{
			name: "a rule message",
			a:    "{type: object, x-kubernetes-validations: [{rule: a, message: m}]}",
			b:    "{type: object, x-kubernetes-validations: [{rule: a}]}",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := schemaFromYAML(t, tc.a), schemaFromYAML(t, tc.b)
			if got := SchemasEqual(a, b); got != tc.want {
				t.Errorf("SchemasEqual(a, b) = %v, want %v", got, tc.want)
			}
			if got := SchemasEqual(b, a); got != tc.want {
				t.Errorf("SchemasEqual(b, a) = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSchemasEqualOnTheBundle checks SchemasEqual on real schemas: each
// equals itself reworded, does not change its arguments, and TrafficTarget's
// versions, whose shapes differ, are told apart.
func TestSchemasEqualOnTheBundle(t *testing.T) {
	bundle, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, crd := range bundle.CRDs() {
		for _, v := range crd.Spec.Versions {
			s := v.Schema.OpenAPIV3Schema
			reworded := s.DeepCopy()
			rewordAll(reworded)
			before := s.DeepCopy()
			if !SchemasEqual(s, reworded) {
				t.Errorf("%s %s: not equal to itself with other descriptions", crd.Name, v.Name)
			}
			if !sameJSON(before, s) {
				t.Errorf("%s %s: SchemasEqual changed its argument", crd.Name, v.Name)
			}
		}
	}

	tt := bundle.Get("traffictargets.access.smi-spec.io")
	a, b := tt.Spec.Versions[0].Schema.OpenAPIV3Schema, tt.Spec.Versions[2].Schema.OpenAPIV3Schema
	if SchemasEqual(a, b) {
		t.Errorf("TrafficTarget %s and %s count as equal", tt.Spec.Versions[0].Name, tt.Spec.Versions[2].Name)
	}
}

func sameJSON(a, b *apiextensionsv1.JSONSchemaProps) bool {
	ja, erra := json.Marshal(a)
	jb, errb := json.Marshal(b)
	return erra == nil && errb == nil && string(ja) == string(jb)
}

func schemaFromYAML(t *testing.T, text string) *apiextensionsv1.JSONSchemaProps {
	t.Helper()
	if text == "nil" {
		return nil
	}
	s := &apiextensionsv1.JSONSchemaProps{}
	if err := yaml.UnmarshalStrict([]byte(text), s); err != nil {
		t.Fatalf("decode %s: %v", text, err)
	}
	return s
}

func TestUsesField(t *testing.T) {
	object := map[string]any{
		"apiVersion": "example.com/v1",
		"spec": map[string]any{
			"rules":    []any{map[string]any{"kind": "TCPRoute"}, map[string]any{"name": "r", "matches": []any{}}},
			"matrix":   []any{[]any{}, []any{map[string]any{"weight": 1}}},
			"labels":   map[string]any{},
			"backends": map[string]any{"web": map[string]any{"protocol": "http", "weight": nil}},
			"odd.name": "x",
		},
	}
	cases := []struct {
		path    string
		want    bool
		wantErr bool
	}{
		{path: ".", want: true},
		{path: "spec", want: true},
		{path: "status"},
		{path: "spec.rules[].kind", want: true},
		{path: "spec.rules[].name", want: true},
		{path: "spec.rules[].port"},
		{path: "spec.rules[].matches[]"},
		{path: "spec.matrix[][].weight", want: true},
		{path: "spec.labels{}"},
		{path: "spec.backends{}.protocol", want: true},
		{path: "spec.backends{}.weight", want: true},
		{path: `spec["odd.name"]`, want: true},
		{path: "apiVersion.x"},
		{path: "", wantErr: true},
		{path: ".spec", wantErr: true},
		{path: "spec..rules", wantErr: true},
		{path: "spec[", wantErr: true},
		{path: `spec["odd`, wantErr: true},
		{path: `spec["odd"`, wantErr: true},
		{path: "spec rules", wantErr: true},
		{path: "spec{}rules", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			got, err := UsesField(object, tc.path)
			if (err != nil) != tc.wantErr {
				t.Fatalf("UsesField(%q) error = %v, want an error: %v", tc.path, err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("UsesField(%q) = %v, want %v", tc.path, got, tc.want)
			}
		})
	}
}

// TestSchemaPathRoundTrip checks that every path of every bundled schema,
// and paths through oddly named fields, read back as written.
func TestSchemaPathRoundTrip(t *testing.T) {
	odd := schemaPath(nil).field("spec").field("a.b").items().field(`say "hi"`).values().field("x[]").field("ok")
	if got, want := odd.String(), `spec["a.b"][]["say \"hi\""]{}["x[]"].ok`; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
	paths := []schemaPath{nil, odd}

	bundle, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, crd := range bundle.CRDs() {
		for _, v := range crd.Spec.Versions {
			paths = collectPaths(nil, v.Schema.OpenAPIV3Schema, paths)
		}
	}
	for _, p := range paths {
		back, err := parseSchemaPath(p.String())
		if err != nil {
			t.Errorf("parse %s: %v", p, err)
			continue
		}
		if back.String() != p.String() || len(back) != len(p) {
			t.Errorf("%s read back as %s", p, back)
		}
	}
	if len(paths) < 500 {
		t.Errorf("only %d paths in the bundle; the walk is broken", len(paths))
	}
}

func collectPaths(p schemaPath, s *apiextensionsv1.JSONSchemaProps, out []schemaPath) []schemaPath {
	out = append(out, p)
	for name, child := range s.Properties {
		out = collectPaths(p.field(name), &child, out)
	}
	if s.Items != nil && s.Items.Schema != nil {
		out = collectPaths(p.items(), s.Items.Schema, out)
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		out = collectPaths(p.values(), s.AdditionalProperties.Schema, out)
	}
	return out
}
