package version

import "testing"

func TestVersionFileIsSemver(t *testing.T) {
	v, err := Parse()
	if err != nil {
		t.Fatal(err)
	}
	if v.String() != Version() {
		t.Errorf("VERSION %q is not in canonical form %q", Version(), v.String())
	}
}
