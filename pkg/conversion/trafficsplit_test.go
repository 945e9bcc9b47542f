package conversion

import "testing"

func TestTrafficSplitConversions(t *testing.T) {
	runConversionCases(t, trafficSplitCRD, []conversionCase{
		{
			name: "v1alpha4 to v1alpha2: matches are stashed",
			in: `
apiVersion: split.smi-spec.io/v1alpha4
kind: TrafficSplit
metadata: {name: split, namespace: shop}
spec:
  service: shop
  backends: [{service: shop-v1, weight: 90}, {service: shop-v2, weight: 10}]
  matches: [{kind: HTTPRouteGroup, name: canary}]
`,
			to: "split.smi-spec.io/v1alpha2",
			want: `
apiVersion: split.smi-spec.io/v1alpha2
kind: TrafficSplit
metadata: {name: split, namespace: shop}
spec:
  service: shop
  backends: [{service: shop-v1, weight: 90}, {service: shop-v2, weight: 10}]
`,
			stash: `{"v":1,"from":"v1alpha4","to":"v1alpha2","fields":{"/spec/matches":[{"kind":"HTTPRouteGroup","name":"canary"}]}}`,
		},
		{
			name: "v1alpha3 to v1alpha4: same shape, matches stay",
			in: `
apiVersion: split.smi-spec.io/v1alpha3
kind: TrafficSplit
metadata: {name: split, namespace: shop}
spec:
  service: shop
  backends: [{service: shop-v1, weight: 100}]
  matches: [{kind: HTTPRouteGroup, name: canary}]
`,
			to: "split.smi-spec.io/v1alpha4",
			want: `
apiVersion: split.smi-spec.io/v1alpha4
kind: TrafficSplit
metadata: {name: split, namespace: shop}
spec:
  service: shop
  backends: [{service: shop-v1, weight: 100}]
  matches: [{kind: HTTPRouteGroup, name: canary}]
`,
		},
		{
			name: "v1alpha2 to v1alpha3: fractional weights kept as they are",
			in: `
apiVersion: split.smi-spec.io/v1alpha2
kind: TrafficSplit
metadata: {name: split, namespace: shop}
spec:
  service: shop
  backends: [{service: shop-v1, weight: 0.5}]
`,
			to: "split.smi-spec.io/v1alpha3",
			want: `
apiVersion: split.smi-spec.io/v1alpha3
kind: TrafficSplit
metadata: {name: split, namespace: shop}
spec:
  service: shop
  backends: [{service: shop-v1, weight: 0.5}]
`,
		},
	})
}
