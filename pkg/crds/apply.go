package crds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset/typed/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/utils/ptr"
)

// maxOwnershipAttempts bounds the retries of the ownership move when another
// writer changes the CRD in between (its patch has a resourceVersion
// precondition).
const maxOwnershipAttempts = 5

// Options say how Apply brings the cluster's CRDs to the bundle.
type Options struct {
	// BundleVersion is written on every CRD and compared with the live
	// CRD's to refuse downgrades.
	BundleVersion *version.Version
	// Conversion is the conversion stanza of multi-version CRDs.
	Conversion Conversion
	// AllowDowngrade applies over a CRD of a newer bundle.
	AllowDowngrade bool
	// TakeOverConversion points CRDs at this control plane's webhook even
	// when their conversion-owner annotation names another one.
	TakeOverConversion bool
	// DryRun sends every write as a server-side dry run.
	DryRun bool
}

// Retrier runs fn until it succeeds, a non-retryable error occurs or ctx
// ends. op names the operation in logs.
type Retrier func(ctx context.Context, op string, fn func(context.Context) error) error

// Applier brings the CRDs of a cluster to a bundle with server-side apply.
type Applier struct {
	Client  apiextensionsclient.CustomResourceDefinitionInterface
	Log     *zap.Logger
	Retry   Retrier
	Options Options
}

// Outcome is what Apply did with one CRD.
type Outcome struct {
	Name   string
	Result Result
	// Conflicts lists the other managers whose fields were taken over.
	Conflicts []string
	// Unserved lists versions not served for lack of a conversion webhook.
	Unserved []string
	Reason   string

	// ready: the server's answer already showed the CRD established.
	ready bool
}

// Apply creates or updates every CRD of the bundle, then waits until each is
// established. It checks every CRD before it writes any: if one is refused,
// nothing is written and the error wraps ErrRefused. CRDs the bundle does not
// carry are left alone.
func (a *Applier) Apply(ctx context.Context, bundle *Bundle) ([]Outcome, error) {
	start := time.Now()
	live, err := a.listLive(ctx)
	if err != nil {
		return nil, err
	}
	a.Log.Debug("CRDs listed", zap.Int("count", len(live)), zap.Duration("duration", time.Since(start)))

	decisions, err := a.decideAll(bundle, live)
	if err != nil {
		return nil, err
	}

	outcomes, err := a.applyAll(ctx, decisions)
	if err != nil {
		return outcomes, err
	}

	if !a.Options.DryRun {
		if err := a.waitEstablished(ctx, notReady(outcomes)); err != nil {
			return outcomes, err
		}
	}
	a.logSummary(outcomes, time.Since(start))
	return outcomes, nil
}

func (a *Applier) listLive(ctx context.Context) (map[string]*apiextensionsv1.CustomResourceDefinition, error) {
	return ListLive(ctx, a.Client, a.Retry)
}

// ListLive lists the cluster's CRDs, retrying with retry, by name.
func ListLive(ctx context.Context, client apiextensionsclient.CustomResourceDefinitionInterface,
	retry Retrier) (map[string]*apiextensionsv1.CustomResourceDefinition, error) {
	var list *apiextensionsv1.CustomResourceDefinitionList
	err := retry(ctx, "list CRDs", func(ctx context.Context) error {
		var err error
		list, err = client.List(ctx, metav1.ListOptions{})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list CRDs: %w", err)
	}
	live := make(map[string]*apiextensionsv1.CustomResourceDefinition, len(list.Items))
	for i := range list.Items {
		live[list.Items[i].Name] = &list.Items[i]
	}
	return live, nil
}

// decideAll decides for every bundled CRD and fails, before anything is
// written, when any is refused.
func (a *Applier) decideAll(bundle *Bundle, live map[string]*apiextensionsv1.CustomResourceDefinition) ([]*decision, error) {
	var decisions []*decision
	var refusals []error
	for _, crd := range bundle.crds {
		d, err := decide(crd, live[crd.Name], a.Options.BundleVersion, a.Options)
		if err != nil {
			return nil, err
		}
		if d.refusal != nil {
			a.Log.Error("CRD refused", zap.String("crd", d.name), zap.String("result", string(ResultRefused)), zap.Error(d.refusal))
			refusals = append(refusals, d.refusal)
		}
		decisions = append(decisions, d)
	}
	if len(refusals) > 0 {
		return nil, fmt.Errorf("nothing was written: %w", errors.Join(refusals...))
	}
	return decisions, nil
}

// applyAll applies the decided CRDs concurrently.
func (a *Applier) applyAll(ctx context.Context, decisions []*decision) ([]Outcome, error) {
	outcomes := make([]Outcome, len(decisions))
	errs := make([]error, len(decisions))
	var wg sync.WaitGroup
	for i, d := range decisions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outcomes[i], errs[i] = a.applyOne(ctx, d)
		}()
	}
	wg.Wait()
	return outcomes, errors.Join(errs...)
}

func (a *Applier) applyOne(ctx context.Context, d *decision) (Outcome, error) {
	start := time.Now()
	out := Outcome{Name: d.name, Unserved: d.desired.unserved}
	if d.skip != "" {
		out.Result, out.Reason = ResultSkipped, d.skip
		a.Log.Warn("CRD left alone", zap.String("crd", d.name), zap.String("result", string(out.Result)), zap.String("reason", d.skip))
		return out, nil
	}

	if d.conversionOwner != "" {
		a.Log.Info("CRD conversion left to its owner", zap.String("crd", d.name), zap.String("owner", d.conversionOwner))
	}
	before := d.live
	moved, err := a.moveOwnership(ctx, d)
	if err != nil {
		return out, err
	}
	body, err := applyBody(d.desired.crd)
	if err != nil {
		return out, err
	}
	applied := d.live
	if !moved && upToDate(d.live, body) {
		a.Log.Debug("CRD up to date, apply not sent", zap.String("crd", d.name))
	} else if applied, err = a.sendApply(ctx, d.name, body); err != nil {
		return out, err
	}

	out.Result = resultOf(d.live, applied, moved, a.Options.DryRun)
	out.Conflicts = takenOver(before, applied)
	if out.ready, _, err = readiness(applied); err != nil {
		return out, err
	}
	a.Log.Info("CRD applied",
		zap.String("crd", d.name),
		zap.String("result", string(out.Result)),
		zap.Duration("duration", time.Since(start)),
		zap.Strings("conflicts", out.Conflicts),
		zap.Strings("unserved", out.Unserved),
		zap.Bool("dryRun", a.Options.DryRun))
	return out, nil
}

// moveOwnership moves the fields of legacy managers to FieldManager. On a
// conflict (someone wrote the CRD meanwhile) it reads the CRD again and
// retries. It updates d.live to what the server then holds, and tells
// whether anything moved.
func (a *Applier) moveOwnership(ctx context.Context, d *decision) (bool, error) {
	keepCABundle := a.Options.Conversion.Strategy == ConversionWebhook && a.Options.Conversion.CABundle == nil
	for attempt := 1; d.live != nil && attempt <= maxOwnershipAttempts; attempt++ {
		patch, err := ownershipPatch(d.live, legacyManagers(d.live, keepCABundle))
		if err != nil || patch == nil {
			return false, err
		}
		if a.Options.DryRun {
			return true, nil
		}
		moved, err := a.patch(ctx, d.name, types.JSONPatchType, patch, metav1.PatchOptions{FieldManager: FieldManager})
		if err == nil {
			d.live = moved
			return true, nil
		}
		if !apierrors.IsConflict(err) {
			return false, fmt.Errorf("move field ownership of CRD %s: %w", d.name, err)
		}
		if d.live, err = a.get(ctx, d.name); err != nil {
			return false, err
		}
	}
	if d.live == nil {
		return false, nil
	}
	return false, fmt.Errorf("move field ownership of CRD %s: still conflicting after %d attempts", d.name, maxOwnershipAttempts)
}

// serverSideApply applies the CRD's apply configuration.
func (a *Applier) serverSideApply(ctx context.Context, crd *apiextensionsv1.CustomResourceDefinition) (*apiextensionsv1.CustomResourceDefinition, error) {
	body, err := applyBody(crd)
	if err != nil {
		return nil, err
	}
	return a.sendApply(ctx, crd.Name, body)
}

// sendApply sends an apply configuration with a forced server-side apply.
func (a *Applier) sendApply(ctx context.Context, name string, body []byte) (*apiextensionsv1.CustomResourceDefinition, error) {
	opts := metav1.PatchOptions{FieldManager: FieldManager, Force: ptr.To(true)}
	if a.Options.DryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	applied, err := a.patch(ctx, name, types.ApplyPatchType, body, opts)
	if err != nil {
		return nil, fmt.Errorf("apply CRD %s: %w", name, err)
	}
	return applied, nil
}

func (a *Applier) patch(ctx context.Context, name string, pt types.PatchType, body []byte, opts metav1.PatchOptions) (*apiextensionsv1.CustomResourceDefinition, error) {
	var out *apiextensionsv1.CustomResourceDefinition
	err := a.Retry(ctx, "patch CRD "+name, func(ctx context.Context) error {
		var err error
		out, err = a.Client.Patch(ctx, name, pt, body, opts)
		return err
	})
	return out, err
}

func (a *Applier) get(ctx context.Context, name string) (*apiextensionsv1.CustomResourceDefinition, error) {
	var out *apiextensionsv1.CustomResourceDefinition
	err := a.Retry(ctx, "get CRD "+name, func(ctx context.Context) error {
		var err error
		out, err = a.Client.Get(ctx, name, metav1.GetOptions{})
		return err
	})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get CRD %s: %w", name, err)
	}
	return out, nil
}

// applyBody is the apply configuration of a CRD: only the fields the bundle
// owns (no status, no server-set metadata).
func applyBody(crd *apiextensionsv1.CustomResourceDefinition) ([]byte, error) {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(crd)
	if err != nil {
		return nil, fmt.Errorf("encode CRD %s: %w", crd.Name, err)
	}
	delete(obj, "status")
	meta := obj["metadata"].(map[string]any)
	delete(meta, "creationTimestamp")
	obj["apiVersion"] = apiextensionsv1.SchemeGroupVersion.String()
	obj["kind"] = "CustomResourceDefinition"
	return json.Marshal(obj)
}

// resultOf tells what an apply did: a write shows as a new resourceVersion;
// a dry run is judged by comparing what the server would hold.
func resultOf(live, applied *apiextensionsv1.CustomResourceDefinition, moved, dryRun bool) Result {
	switch {
	case live == nil:
		return ResultCreated
	case moved:
		return ResultUpdated
	case dryRun && equality.Semantic.DeepEqual(live.Spec, applied.Spec) &&
		equality.Semantic.DeepEqual(live.Labels, applied.Labels) &&
		equality.Semantic.DeepEqual(live.Annotations, applied.Annotations):
		return ResultUnchanged
	case !dryRun && live.ResourceVersion == applied.ResourceVersion:
		return ResultUnchanged
	default:
		return ResultUpdated
	}
}

func (a *Applier) logSummary(outcomes []Outcome, took time.Duration) {
	counts := map[Result]int{}
	for _, o := range outcomes {
		counts[o.Result]++
	}
	a.Log.Info("CRDs applied",
		zap.Int("created", counts[ResultCreated]),
		zap.Int("updated", counts[ResultUpdated]),
		zap.Int("unchanged", counts[ResultUnchanged]),
		zap.Int("skipped", counts[ResultSkipped]),
		zap.Duration("duration", took),
		zap.Bool("dryRun", a.Options.DryRun))
}

// notReady names the applied CRDs not yet known to be established.
func notReady(outcomes []Outcome) []string {
	var names []string
	for _, o := range outcomes {
		if o.Result != ResultSkipped && !o.ready {
			names = append(names, o.Name)
		}
	}
	return names
}
