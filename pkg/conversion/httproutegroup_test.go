package conversion

import "testing"

const httpRouteGroupV1alpha4 = `
apiVersion: specs.smi-spec.io/v1alpha4
kind: HTTPRouteGroup
metadata: {name: routes, namespace: shop}
spec:
  matches:
  - {name: buy, methods: [POST], pathRegex: /buy, headers: [{host: shop}]}
  - {name: any, methods: ["*"]}
`

func TestHTTPRouteGroupConversions(t *testing.T) {
	runConversionCases(t, httpRouteGroupCRD, []conversionCase{
		{
			name: "v1alpha4 to v1alpha1: matches move to the top level",
			in:   httpRouteGroupV1alpha4,
			to:   "specs.smi-spec.io/v1alpha1",
			want: `
apiVersion: specs.smi-spec.io/v1alpha1
kind: HTTPRouteGroup
metadata: {name: routes, namespace: shop}
matches:
- {name: buy, methods: [POST], pathRegex: /buy, headers: [{host: shop}]}
- {name: any, methods: ["*"]}
`,
		},
		{
			name: "v1alpha2 to v1alpha3: matches move under spec",
			in: `
apiVersion: specs.smi-spec.io/v1alpha2
kind: HTTPRouteGroup
metadata: {name: routes, namespace: shop}
matches: [{name: get, methods: [GET]}]
`,
			to: "specs.smi-spec.io/v1alpha3",
			want: `
apiVersion: specs.smi-spec.io/v1alpha3
kind: HTTPRouteGroup
metadata: {name: routes, namespace: shop}
spec:
  matches: [{name: get, methods: [GET]}]
`,
		},
		{
			name: "v1alpha1 to v1alpha2: same shape, only apiVersion changes",
			in: `
apiVersion: specs.smi-spec.io/v1alpha1
kind: HTTPRouteGroup
metadata: {name: routes, namespace: shop}
matches: [{name: get, methods: [GET]}]
`,
			to: "specs.smi-spec.io/v1alpha2",
			want: `
apiVersion: specs.smi-spec.io/v1alpha2
kind: HTTPRouteGroup
metadata: {name: routes, namespace: shop}
matches: [{name: get, methods: [GET]}]
`,
		},
		{
			name: "v1alpha4 without spec to v1alpha1: nothing to move",
			in: `
apiVersion: specs.smi-spec.io/v1alpha4
kind: HTTPRouteGroup
metadata: {name: routes}
`,
			to: "specs.smi-spec.io/v1alpha1",
			want: `
apiVersion: specs.smi-spec.io/v1alpha1
kind: HTTPRouteGroup
metadata: {name: routes}
`,
		},
	})
}
