package migrate

import (
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

func TestDecideTrim(t *testing.T) {
	start := snapshot{storage: "v1alpha2", generation: 1}
	cases := []struct {
		name string
		end  *apiextensionsv1.CustomResourceDefinition
		want verdict
	}{
		{"unchanged: trim", atGeneration(1, liveCRD("a", "v1alpha2", "v1alpha1", "v1alpha2")), trimNow},
		{"trimmed already (by the built-in controller)", atGeneration(1, liveCRD("a", "v1alpha2", "v1alpha2")), trimmed},
		{"storage version changed back", atGeneration(2, liveCRD("a", "v1alpha1", "v1alpha1", "v1alpha2")), repeat},
		{"spec changed, same storage version", atGeneration(2, liveCRD("a", "v1alpha2", "v1alpha1", "v1alpha2")), repeat},
		{"changed and changed back: the generation tells", atGeneration(3, liveCRD("a", "v1alpha2", "v1alpha1", "v1alpha2")), repeat},
		{"no storage version", atGeneration(1, liveCRD("a", "", "v1alpha2")), repeat},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := decideTrim(start, tc.end); got != tc.want {
				t.Errorf("decideTrim = %s, want %s", got, tc.want)
			}
		})
	}
}

func atGeneration(g int64, crd *apiextensionsv1.CustomResourceDefinition) *apiextensionsv1.CustomResourceDefinition {
	crd.Generation = g
	return crd
}
