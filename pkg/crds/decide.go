package crds

import (
	"errors"
	"fmt"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/util/version"
)

// Result is what apply did, or would do, with one CRD.
type Result string

// The results of applying one CRD.
const (
	ResultCreated   Result = "created"
	ResultUpdated   Result = "updated"
	ResultUnchanged Result = "unchanged"
	// ResultSkipped: the live CRD comes from a newer bundle and is left alone.
	ResultSkipped Result = "skipped"
	// ResultRefused: applying would break stored data; nothing was written.
	ResultRefused Result = "refused"
)

// ErrRefused is wrapped by every refusal: applying would break stored data.
var ErrRefused = errors.New("refused")

// decision is what apply is to do with one CRD, worked out before any write.
type decision struct {
	name    string
	live    *apiextensionsv1.CustomResourceDefinition // nil: not in the cluster
	desired *desired
	// skip explains why the CRD is left alone; empty means apply it.
	skip string
	// refusal explains why applying is refused; nil means it is safe.
	refusal error
	// conversionOwner names the other control plane whose conversion
	// stanza is kept; empty when the CRD converts through ours.
	conversionOwner string
}

// decide works out what to do with one bundled CRD given the live one.
func decide(bundled, live *apiextensionsv1.CustomResourceDefinition, bundleVersion *version.Version, opts Options) (*decision, error) {
	d := &decision{name: bundled.Name, live: live}
	want, err := desiredCRD(bundled, bundleVersion.String(), opts.Conversion)
	if err != nil {
		return nil, fmt.Errorf("CRD %s: %w", bundled.Name, err)
	}
	d.desired = want
	if live == nil {
		return d, nil
	}

	if newer, liveVersion := isNewer(live, bundleVersion); newer && !opts.AllowDowngrade {
		d.skip = fmt.Sprintf("the cluster's CRD comes from bundle %s, newer than this binary's %s", liveVersion, bundleVersion)
		return d, nil
	}
	if owner := otherConversionOwner(live, want, opts); owner != "" {
		keepConversion(want, live)
		d.conversionOwner = owner
	}
	d.refusal = checkStoredVersions(live, want)
	return d, nil
}

// otherConversionOwner returns the webhook, as <namespace>/<service>, of
// another control plane that the live CRD converts through, or "". CRDs are
// cluster-wide: with two meshes in one cluster, the second one's apply must
// not point the first one's CRDs at itself (OSM broke a second mesh that
// way). --take-over-conversion hands the CRDs over, for instance after the
// owner's namespace was removed.
func otherConversionOwner(live *apiextensionsv1.CustomResourceDefinition, want *desired, opts Options) string {
	owner := live.Annotations[ConversionOwnerAnnotation]
	if opts.TakeOverConversion || owner == "" || owner == opts.Conversion.Owner() || len(want.crd.Spec.Versions) == 1 {
		return ""
	}
	if live.Spec.Conversion == nil || live.Spec.Conversion.Strategy != apiextensionsv1.WebhookConverter {
		return ""
	}
	return owner
}

// keepConversion makes the desired CRD keep the live conversion stanza and
// owner. That webhook converts every version, so all are served.
func keepConversion(want *desired, live *apiextensionsv1.CustomResourceDefinition) {
	want.crd.Spec.Conversion = live.Spec.Conversion.DeepCopy()
	want.crd.Annotations[ConversionOwnerAnnotation] = live.Annotations[ConversionOwnerAnnotation]
	for i := range want.crd.Spec.Versions {
		want.crd.Spec.Versions[i].Served = true
	}
	want.unserved = nil
}

// isNewer tells whether the live CRD comes from a newer bundle than ours. A
// CRD without the annotation, or with one that is not a version, counts as
// older than any bundle.
func isNewer(live *apiextensionsv1.CustomResourceDefinition, ours *version.Version) (bool, string) {
	value := live.Annotations[BundleVersionAnnotation]
	if value == "" {
		return false, ""
	}
	v, err := version.ParseSemantic(strings.TrimPrefix(value, "v"))
	if err != nil {
		return false, value
	}
	return v.GreaterThan(ours), value
}

// checkStoredVersions refuses a CRD that would lose the versions objects are
// stored in: the bundle must list every version in status.storedVersions,
// and without a webhook their schema must equal the storage version's.
func checkStoredVersions(live *apiextensionsv1.CustomResourceDefinition, want *desired) error {
	var missing, reshaped []string
	storage, err := storageVersionOf(want.crd)
	if err != nil {
		return err
	}
	for _, stored := range live.Status.StoredVersions {
		v := versionOf(want.crd, stored)
		switch {
		case v == nil:
			missing = append(missing, stored)
		case want.crd.Spec.Conversion.Strategy == apiextensionsv1.NoneConverter && !v.Storage &&
			!SchemasEqual(schemaOf(v), schemaOf(storage)):
			reshaped = append(reshaped, stored)
		}
	}

	if len(missing) > 0 {
		return fmt.Errorf("%w: CRD %s has objects stored in %s (status.storedVersions), which the bundle no longer has; "+
			"run `init-osm-bootstrap migrate %s` with the binary that installed it, then apply again",
			ErrRefused, live.Name, strings.Join(missing, ", "), live.Name)
	}
	if len(reshaped) > 0 {
		return fmt.Errorf("%w: CRD %s has objects stored in %s, whose schema differs from the storage version %s; "+
			"without a conversion webhook the API server would drop their fields on read: use --conversion webhook",
			ErrRefused, live.Name, strings.Join(reshaped, ", "), storage.Name)
	}
	return nil
}
