package crds

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset/typed/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// Caps that keep a CRD's diff short enough to read.
const (
	// maxDiffLines is how many diff lines a CRD shows; the rest are counted.
	maxDiffLines = 20
	// maxDiffValue is how many characters of one value a diff line shows.
	maxDiffValue = 60
)

// Comparison says how plan worked out what apply would write.
type Comparison string

// The ways plan compares.
const (
	// ComparisonDryRun: the server answered a dry run of apply's write, so
	// the values it defaults do not show as changes.
	ComparisonDryRun Comparison = "dry-run"
	// ComparisonLocal: the dry run was forbidden, or apply would not write
	// (a refusal); the bundle's CRD, with client-side defaults, was compared
	// with the live one. A default the server adds may show as a change.
	ComparisonLocal Comparison = "local"
)

// Plan is what apply would do with a bundle, and whether it is safe.
type Plan struct {
	BundleVersion string `json:"bundleVersion"`
	// NeedsAttention is true when any CRD needs attention.
	NeedsAttention bool      `json:"needsAttention"`
	CRDs           []CRDPlan `json:"crds"`
}

// CRDPlan is what apply would do with one bundled CRD.
type CRDPlan struct {
	Name   string `json:"name"`
	Result Result `json:"result"`
	// Reason explains a skipped or refused CRD.
	Reason string `json:"reason,omitempty"`
	// Comparison is empty for a skipped CRD: nothing was compared.
	Comparison Comparison `json:"comparison,omitempty"`
	// Attention is true after a refusal, a fact that needs attention, or
	// stored objects that would not validate or could not be checked.
	Attention bool `json:"attention"`
	// Conflicts lists the other managers whose fields apply would take over.
	Conflicts []string `json:"conflicts,omitempty"`
	// Unserved lists the versions apply would not serve, for lack of a webhook.
	Unserved []string `json:"unserved,omitempty"`
	// Diff is the change to the CRD's spec, labels and annotations, for an
	// updated CRD.
	Diff  *Diff      `json:"diff,omitempty"`
	Facts []PlanFact `json:"facts,omitempty"`
	// Objects is the check of the stored custom resources, for an updated
	// or refused CRD.
	Objects *ObjectCheck `json:"objects,omitempty"`
}

// PlanFact is a compatibility fact whose Attention takes the stored objects
// into account: a removed field needs attention when an object uses it, or
// when the objects could not be checked.
type PlanFact struct {
	Fact
	// UsedBy counts the stored objects with a value at Path; set only for
	// a fact with AttentionIfUsed whose objects were checked.
	UsedBy *int `json:"usedBy,omitempty"`
}

// Diff is a short readable change of a CRD: flattened paths, at most
// maxDiffLines of them; Omitted counts the others. Changed descriptions
// are only counted, in Descriptions: they change nothing an object may
// hold, and would crowd out what does.
type Diff struct {
	Lines        []DiffLine `json:"lines"`
	Omitted      int        `json:"omitted,omitempty"`
	Descriptions int        `json:"descriptions,omitempty"`
}

// DiffOp says how one flattened path changes.
type DiffOp string

// The diff operations.
const (
	DiffAdded   DiffOp = "added"
	DiffRemoved DiffOp = "removed"
	DiffChanged DiffOp = "changed"
)

// DiffLine is one changed path, such as
// spec.versions[v1alpha3].served or metadata.labels["app.kubernetes.io/name"],
// with its JSON values, each cut to maxDiffValue characters.
type DiffLine struct {
	Op   DiffOp `json:"op"`
	Path string `json:"path"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// Planner works out what Apply would do with the same options, writing
// nothing: every request it sends is a read or a dry run.
type Planner struct {
	Client apiextensionsclient.CustomResourceDefinitionInterface
	// Objects lists the stored custom resources; nil checks none, and
	// then every removed field counts as in use.
	Objects dynamic.Interface
	// Converter converts the stored objects to the other versions they are
	// checked in, as the conversion webhook would; nil checks no version
	// that a webhook converts to. A CRD left to another control plane's
	// webhook is assumed to convert as this bundle's converters do.
	Converter ObjectConverter
	Log       *zap.Logger
	Retry     Retrier
	// Options are apply's; DryRun is ignored: plan always dry-runs.
	Options Options
}

// Plan returns, per bundled CRD, what apply would do and what an operator
// should check first. It fails only when it cannot find out; a refusal is
// part of the plan.
func (p *Planner) Plan(ctx context.Context, bundle *Bundle) (*Plan, error) {
	start := time.Now()
	a := p.applier()
	live, err := a.listLive(ctx)
	if err != nil {
		return nil, err
	}

	plans := make([]CRDPlan, len(bundle.crds))
	errs := make([]error, len(bundle.crds))
	var wg sync.WaitGroup
	for i, crd := range bundle.crds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			plans[i], errs[i] = p.planOne(ctx, a, crd, live[crd.Name])
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	plan := &Plan{BundleVersion: p.Options.BundleVersion.String(), CRDs: plans}
	for _, c := range plans {
		plan.NeedsAttention = plan.NeedsAttention || c.Attention
	}
	p.logSummary(plan, time.Since(start))
	return plan, nil
}

// applier is an Applier whose writes are dry runs and whose retries give up
// at once on a 401 or 403.
func (p *Planner) applier() *Applier {
	opts := p.Options
	opts.DryRun = true
	retry := func(ctx context.Context, op string, fn func(context.Context) error) error {
		return p.Retry(ctx, op, func(ctx context.Context) error { return notRetriedIfDenied(fn(ctx)) })
	}
	return &Applier{Client: p.Client, Log: p.Log, Retry: retry, Options: opts}
}

func (p *Planner) planOne(ctx context.Context, a *Applier, bundled, live *apiextensionsv1.CustomResourceDefinition) (CRDPlan, error) {
	start := time.Now()
	d, err := decide(bundled, live, p.Options.BundleVersion, p.Options)
	if err != nil {
		return CRDPlan{}, err
	}
	c := CRDPlan{Name: d.name, Unserved: d.desired.unserved}
	switch {
	case d.skip != "":
		c.Result, c.Reason = ResultSkipped, d.skip
	case d.refusal != nil:
		c.Result, c.Reason, c.Comparison = ResultRefused, d.refusal.Error(), ComparisonLocal
		p.assess(ctx, a, &c, live, localAfter(d, p.legacy(d)))
	default:
		if err := p.predict(ctx, a, d, &c); err != nil {
			return c, err
		}
	}
	c.Attention = c.needsAttention()
	p.Log.Info("CRD planned",
		zap.String("crd", c.Name),
		zap.String("result", string(c.Result)),
		zap.String("comparison", string(c.Comparison)),
		zap.Bool("attention", c.Attention),
		zap.Duration("duration", time.Since(start)))
	return c, nil
}

// predict works out what the server would hold after apply, from a dry run
// or, when that is forbidden, locally, and fills the CRD's result.
func (p *Planner) predict(ctx context.Context, a *Applier, d *decision, c *CRDPlan) error {
	legacy := p.legacy(d)
	moved := len(legacy) > 0
	after, conflicts, err := p.dryRun(ctx, a, d, legacy)
	c.Comparison = ComparisonDryRun
	var denied deniedError
	if errors.As(err, &denied) && apierrors.IsForbidden(denied.err) {
		p.Log.Warn("dry run forbidden: comparing locally", zap.String("crd", d.name), zap.Error(denied.err))
		after, conflicts, err = localAfter(d, legacy), legacyConflicts(d.live, legacy), nil
		c.Comparison = ComparisonLocal
	}
	if err != nil {
		return err
	}

	c.Result, c.Conflicts = resultOf(d.live, after, moved, true), conflicts
	if c.Result == ResultUnchanged && len(conflicts) > 0 {
		// Taking over a field, even one of the same value, is a write.
		c.Result = ResultUpdated
	}
	if c.Result == ResultUpdated {
		if c.Diff, err = specDiff(d.live, after); err != nil {
			return fmt.Errorf("diff CRD %s: %w", d.name, err)
		}
		p.assess(ctx, a, c, d.live, after)
	}
	if c.Result == ResultCreated {
		c.Facts = resolveFacts(Compare(nil, after), nil)
	}
	return nil
}

// dryRun sends apply's write as a dry run. When legacy managers own fields,
// apply first moves them to FieldManager and then drops what the bundle no
// longer has; no single dry run shows that, so the plan sends the bundle's
// CRD as an update instead, which replaces the spec just as that pair does
// (except for fields a non-legacy manager owns, which apply keeps).
func (p *Planner) dryRun(ctx context.Context, a *Applier, d *decision, legacy []string) (
	*apiextensionsv1.CustomResourceDefinition, []string, error) {
	if len(legacy) == 0 {
		after, err := a.serverSideApply(ctx, d.desired.crd)
		if err != nil {
			return nil, nil, err
		}
		return after, takenOver(d.live, after), nil
	}
	body := mergedOnto(d.live, d.desired.crd, legacy)
	var after *apiextensionsv1.CustomResourceDefinition
	err := a.Retry(ctx, "dry-run update CRD "+d.name, func(ctx context.Context) error {
		var err error
		after, err = p.Client.Update(ctx, body, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}, FieldManager: FieldManager})
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("dry-run update of CRD %s: %w", d.name, err)
	}
	return after, legacyConflicts(d.live, legacy), nil
}

// legacy returns the legacy managers apply would take fields from.
func (p *Planner) legacy(d *decision) []string {
	if d.live == nil {
		return nil
	}
	conv := p.Options.Conversion
	return legacyManagers(d.live, conv.Strategy == ConversionWebhook && conv.CABundle == nil)
}

// legacyConflicts describes, as takenOver does, the fields of the legacy
// managers that would move to FieldManager.
func legacyConflicts(live *apiextensionsv1.CustomResourceDefinition, managers []string) []string {
	if live == nil {
		return nil
	}
	var out []string
	for _, e := range live.ManagedFields {
		for _, m := range managers {
			if e.Manager == m && e.Operation == metav1.ManagedFieldsOperationUpdate && e.Subresource == "" {
				out = append(out, fmt.Sprintf("%s (%s): %d fields", e.Manager, e.Operation, fieldsOf(e).Size()))
			}
		}
	}
	sort.Strings(out)
	return out
}

// localAfter predicts without the server what apply would leave: the
// bundle's spec with client-side defaults, and its labels and annotations
// merged onto the live ones.
func localAfter(d *decision, legacy []string) *apiextensionsv1.CustomResourceDefinition {
	want := d.desired.crd.DeepCopy()
	apiextensionsv1.SetObjectDefaults_CustomResourceDefinition(want)
	if d.live == nil {
		return want
	}
	return mergedOnto(d.live, want, legacy)
}

// mergedOnto returns live with want's spec, and with want's labels and
// annotations merged onto those live keeps. Once the fields of the legacy
// managers move to FieldManager, apply drops the keys only they owned,
// the last-applied-configuration annotation among them.
func mergedOnto(live, want *apiextensionsv1.CustomResourceDefinition, legacy []string) *apiextensionsv1.CustomResourceDefinition {
	out := live.DeepCopy()
	out.Spec = *want.Spec.DeepCopy()
	out.Labels = mergedStrings(keptKeys(live, "labels", live.Labels, legacy), want.Labels)
	out.Annotations = mergedStrings(keptKeys(live, "annotations", live.Annotations, legacy), want.Annotations)
	if len(legacy) > 0 {
		delete(out.Annotations, corev1.LastAppliedConfigAnnotation)
	}
	return out
}

// keptKeys returns the entries of metadata.<field> that apply keeps: all
// but those no manager owns besides the legacy ones and FieldManager.
func keptKeys(live *apiextensionsv1.CustomResourceDefinition, field string, m map[string]string, legacy []string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if len(legacy) == 0 || !ownedOnlyBy(live, fieldpath.MakePathOrDie("metadata", field, k), legacy) {
			out[k] = v
		}
	}
	return out
}

// ownedOnlyBy reports whether the legacy managers own path and no other
// manager than them and FieldManager does.
func ownedOnlyBy(live *apiextensionsv1.CustomResourceDefinition, path fieldpath.Path, legacy []string) bool {
	owned := false
	for _, e := range live.ManagedFields {
		if e.Subresource != "" || !fieldsOf(e).Has(path) {
			continue
		}
		switch {
		case e.Operation == metav1.ManagedFieldsOperationUpdate && slices.Contains(legacy, e.Manager):
			owned = true
		case e.Manager != FieldManager:
			return false
		}
	}
	return owned
}

func mergedStrings(base, over map[string]string) map[string]string {
	out := make(map[string]string, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// assess adds the compatibility facts of replacing live with after and the
// check of the stored objects against after's schema.
func (p *Planner) assess(ctx context.Context, a *Applier, c *CRDPlan, live, after *apiextensionsv1.CustomResourceDefinition) {
	facts := Compare(live, after)
	c.Objects = p.checkObjects(ctx, a, live, after, usedPaths(facts))
	c.Facts = resolveFacts(facts, c.Objects)
}

// checkObjects validates the stored objects of live against after's
// schemas: in the live storage version, which they are read in, and,
// converted in-process, in each other version whose view of them the
// upgrade changes (see convertedVersions).
func (p *Planner) checkObjects(ctx context.Context, a *Applier, live, after *apiextensionsv1.CustomResourceDefinition,
	paths []string) *ObjectCheck {
	if p.Objects == nil {
		return nil
	}
	version, err := StorageVersion(live)
	if err != nil {
		return &ObjectCheck{Error: "live CRD " + err.Error()}
	}
	check := &ObjectCheck{Version: version}
	lv, nv := versionOf(live, version), versionOf(after, version)
	switch {
	case !lv.Served:
		check.Error = "the storage version is not served, so its objects cannot be listed"
		return check
	case nv == nil:
		check.Error = "the bundle drops the storage version"
		return check
	}
	converted, err := p.convertedVersions(live, after, version)
	if err != nil {
		check.Error = err.Error()
		return check
	}
	if len(paths) == 0 && len(converted) == 0 && SchemasEqual(schemaOf(lv), schemaOf(nv)) {
		check.NotChecked = "the schema of the storage version does not change"
		return check
	}
	validator, err := NewObjectValidator(after, version)
	if err != nil {
		check.Error = err.Error()
		return check
	}
	gvr := schema.GroupVersionResource{Group: live.Spec.Group, Version: version, Resource: live.Spec.Names.Plural}
	scan := &objectScan{client: p.Objects, retry: a.Retry, gvr: gvr, validator: validator, converted: converted, paths: paths}
	return scan.run(ctx)
}

// usedPaths returns the paths of the facts whose attention depends on use.
func usedPaths(facts []Fact) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range facts {
		if f.AttentionIfUsed && !seen[f.Path] {
			seen[f.Path] = true
			out = append(out, f.Path)
		}
	}
	return out
}

// resolveFacts sets the attention of the facts that depend on stored
// objects: needed when one uses the field, or when none could be checked.
func resolveFacts(facts []Fact, objects *ObjectCheck) []PlanFact {
	out := make([]PlanFact, len(facts))
	for i, f := range facts {
		out[i] = PlanFact{Fact: f}
		switch {
		case !f.AttentionIfUsed:
		case objects == nil || objects.Error != "":
			out[i].Attention = true
		default:
			n := objects.Used(f.Path)
			out[i].UsedBy = &n
			out[i].Attention = out[i].Attention || n > 0
		}
	}
	return out
}

// needsAttention tells whether the CRD's plan needs an operator's look.
func (c *CRDPlan) needsAttention() bool {
	switch c.Result {
	case ResultRefused:
		return true
	case ResultSkipped:
		return false
	}
	for _, f := range c.Facts {
		if f.Attention {
			return true
		}
	}
	o := c.Objects
	return o != nil && (o.Error != "" || len(o.Invalid) > 0 || o.InvalidOmitted > 0)
}

func (p *Planner) logSummary(plan *Plan, took time.Duration) {
	counts := map[Result]int{}
	attention := 0
	for _, c := range plan.CRDs {
		counts[c.Result]++
		if c.Attention {
			attention++
		}
	}
	p.Log.Info("CRDs planned",
		zap.Int("created", counts[ResultCreated]),
		zap.Int("updated", counts[ResultUpdated]),
		zap.Int("unchanged", counts[ResultUnchanged]),
		zap.Int("skipped", counts[ResultSkipped]),
		zap.Int("refused", counts[ResultRefused]),
		zap.Int("attention", attention),
		zap.Duration("duration", took))
}
