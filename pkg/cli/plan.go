package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	"k8s.io/client-go/dynamic"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/conversion"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/version"
)

// errNeedsAttention is returned by plan when the plan holds something an
// operator must look at; it exits with ExitNeedsAction.
var errNeedsAttention = errors.New("the plan needs attention")

// planOptions are the flags of `plan`: apply's, and the output format.
type planOptions struct {
	apply  applyOptions
	output string
}

func newPlanCommand() *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what apply would do and whether it is safe; writes nothing",
		Long: "plan shows, per bundled CRD, what apply with the same flags would do " +
			"(created, updated, unchanged, skipped, refused), a short diff of each updated CRD " +
			"from a server-side dry run (compared locally when the dry run is forbidden), " +
			"the compatibility facts to check before an upgrade, and the stored custom resources " +
			"the new schema would refuse: read in the live storage version and, converted in-process " +
			"as the conversion webhook would, in each version the bundle adds, newly serves or changes " +
			"(an object that does not convert is named too). It sends only reads and dry runs.\n\n" +
			"Exit codes: 0 nothing needs attention, 1 failed, 2 something needs attention " +
			"(a refusal, an object that would no longer validate, a removed field in use, " +
			"a fact marked attention), 3 bad usage.\n\n" +
			"-o json prints one object on stdout: bundleVersion, needsAttention, and crds, a list " +
			"of {name, result, reason, comparison, attention, conflicts, unserved, " +
			"diff {lines [{op, path, from, to}], omitted, descriptions}, facts [{kind, version, path, detail, " +
			"attention, attentionIfUsed, usedBy}], objects {version, converted, checked, invalid " +
			"[{namespace, name, version, errors, errorsOmitted, conversionError}], invalidOmitted, error, notChecked}}.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			return o.run(cmd.Context(), cmd)
		},
	}
	o.apply.addFlags(cmd)
	// plan always dry-runs; the flag is accepted for scripts that pass
	// apply's flags through.
	_ = cmd.Flags().MarkHidden("dry-run")
	cmd.Flags().StringVarP(&o.output, "output", "o", outputTable, "output format: table or json")
	return cmd
}

// validate checks the flags before any request is sent.
func (o *planOptions) validate() error {
	if err := o.apply.validate(); err != nil {
		return err
	}
	if o.output != outputTable && o.output != outputJSON {
		return usageError{fmt.Errorf("invalid --output %q: want table or json", o.output)}
	}
	// Reading the CA goes through the dry-run path too: no Secret is created.
	o.apply.dryRun = true
	return nil
}

func (o *planOptions) run(ctx context.Context, cmd *cobra.Command) error {
	s, err := o.apply.cluster.start(ctx, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer s.close()

	planner, bundle, err := o.planner(s)
	if err != nil {
		return err
	}
	plan, err := planner.Plan(s.ctx, bundle)
	if err != nil {
		return err
	}
	if err := renderPlan(cmd.OutOrStdout(), plan, o.output); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return planError(plan)
}

// planError is nil when nothing in the plan needs attention, else an error
// that exits with ExitNeedsAction.
func planError(plan *crds.Plan) error {
	if !plan.NeedsAttention {
		return nil
	}
	return fmt.Errorf("%w: %d of %d CRDs", errNeedsAttention, countAttention(plan), len(plan.CRDs))
}

// planner checks the server and builds the planner and the bundle.
func (o *planOptions) planner(s *session) (*crds.Planner, *crds.Bundle, error) {
	bundle, err := crds.Embedded()
	if err != nil {
		return nil, nil, err
	}
	bundleVersion, err := version.Parse()
	if err != nil {
		return nil, nil, err
	}
	converter, err := conversion.NewRegistry(bundle.CRDs())
	if err != nil {
		return nil, nil, err
	}
	retry := newRetrier(s.log)
	if err := checkServer(s, retry); err != nil {
		return nil, nil, err
	}
	conv, err := o.apply.conversionFor(s, retry)
	if err != nil {
		return nil, nil, err
	}
	ext, err := apiextensionsclient.NewForConfig(s.config)
	if err != nil {
		return nil, nil, fmt.Errorf("build client: %w", err)
	}
	objects, err := dynamic.NewForConfig(s.config)
	if err != nil {
		return nil, nil, fmt.Errorf("build client: %w", err)
	}
	return &crds.Planner{
		Client:    ext.ApiextensionsV1().CustomResourceDefinitions(),
		Objects:   objects,
		Converter: converter,
		Log:       s.log,
		Retry:     retry,
		Options: crds.Options{
			BundleVersion:      bundleVersion,
			Conversion:         conv,
			AllowDowngrade:     o.apply.allowDowngrade,
			TakeOverConversion: o.apply.takeOver,
		},
	}, bundle, nil
}

func countAttention(plan *crds.Plan) int {
	n := 0
	for _, c := range plan.CRDs {
		if c.Attention {
			n++
		}
	}
	return n
}
