package migrate

import (
	"errors"
	"slices"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// liveCRD is a CRD storing in storage, with storedVersions stored.
func liveCRD(name, storage string, stored ...string) *apiextensionsv1.CustomResourceDefinition {
	crd := &apiextensionsv1.CustomResourceDefinition{ObjectMeta: metav1.ObjectMeta{Name: name, Generation: 1}}
	for _, v := range []string{"v1alpha1", "v1alpha2", "v1alpha3"} {
		crd.Spec.Versions = append(crd.Spec.Versions,
			apiextensionsv1.CustomResourceDefinitionVersion{Name: v, Served: true, Storage: v == storage})
	}
	crd.Status.StoredVersions = stored
	return crd
}

func TestSelectTargets(t *testing.T) {
	bundled := []string{"a.x.io", "b.x.io", "c.x.io", "d.x.io"}
	live := map[string]*apiextensionsv1.CustomResourceDefinition{
		"a.x.io": liveCRD("a.x.io", "v1alpha2", "v1alpha1", "v1alpha2"),
		"b.x.io": liveCRD("b.x.io", "v1alpha2", "v1alpha2"),
		"c.x.io": liveCRD("c.x.io", "v1alpha3", "v1alpha3", "v1alpha1"),
		"other":  liveCRD("other", "v1alpha2", "v1alpha1", "v1alpha2"),
	}
	cases := []struct {
		name    string
		names   []string
		want    []string
		wantErr string
	}{
		{name: "default: bundled and live with an old stored version", want: []string{"a.x.io", "c.x.io"}},
		{name: "named, even when nothing is stored in an old version", names: []string{"b.x.io"}, want: []string{"b.x.io"}},
		{name: "named twice, out of order", names: []string{"c.x.io", "a.x.io", "c.x.io"}, want: []string{"a.x.io", "c.x.io"}},
		{name: "not bundled", names: []string{"a.x.io", "other"}, wantErr: "the bundle does not carry other"},
		{name: "bundled but not in the cluster", names: []string{"d.x.io"}, wantErr: "the cluster has no CRD d.x.io"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := selectTargets(bundled, live, tc.names)
			if tc.wantErr != "" {
				if !errors.Is(err, ErrUnknownCRD) || !containsText(err, tc.wantErr) {
					t.Fatalf("error %v, want ErrUnknownCRD saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, crd := range got {
				names = append(names, crd.Name)
			}
			if !slices.Equal(names, tc.want) {
				t.Errorf("selected %v, want %v", names, tc.want)
			}
		})
	}
}

func TestNeedsMigration(t *testing.T) {
	cases := []struct {
		name string
		crd  *apiextensionsv1.CustomResourceDefinition
		want bool
	}{
		{"storage version only", liveCRD("a", "v1alpha2", "v1alpha2"), false},
		{"an old version too", liveCRD("a", "v1alpha2", "v1alpha1", "v1alpha2"), true},
		{"a newer version too (rolled back)", liveCRD("a", "v1alpha2", "v1alpha2", "v1alpha3"), true},
		{"nothing stored yet", liveCRD("a", "v1alpha2"), false},
		{"no storage version", liveCRD("a", "", "v1alpha1"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := needsMigration(tc.crd); got != tc.want {
				t.Errorf("needsMigration = %t, want %t", got, tc.want)
			}
		})
	}
}

func containsText(err error, s string) bool {
	return err != nil && strings.Contains(err.Error(), s)
}
