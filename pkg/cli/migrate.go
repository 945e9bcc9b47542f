package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/migrate"
)

// migrateOptions are the flags of `migrate`.
type migrateOptions struct {
	cluster        clusterOptions
	dryRun         bool
	method         string
	builtinTimeout time.Duration
	settle         time.Duration
	pageSize       int64
	workers        int
}

func newMigrateCommand() *cobra.Command {
	o := &migrateOptions{}
	cmd := &cobra.Command{
		Use:   "migrate [CRD...]",
		Short: "Move stored objects to the storage version and trim storedVersions",
		Long: "migrate rewrites every stored object of the named CRDs in their storage version, then sets " +
			"status.storedVersions to the storage version alone, so that an old version can leave the bundle. " +
			"Without names it takes every bundled CRD whose storedVersions lists more than its storage version. " +
			"--method auto uses the cluster's StorageVersionMigration (storagemigration.k8s.io/v1) where it is " +
			"served and its controller makes progress within --builtin-timeout, else rewrites the objects " +
			"itself; builtin never falls back; client always rewrites them itself. storedVersions is trimmed " +
			"only when the CRD did not change while the objects were rewritten; otherwise they are rewritten again.\n\n" +
			"--dry-run prints the CRDs that would be migrated, with their objects per namespace, and writes nothing.\n\n" +
			"Exit codes: 0 done, 1 failed, 3 bad usage (a CRD not bundled or not in the cluster), 130 interrupted.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			return o.run(cmd.Context(), cmd, args)
		},
	}
	fs := cmd.Flags()
	o.cluster.addFlags(fs)
	fs.BoolVar(&o.dryRun, "dry-run", false, "print what would be migrated, with object counts per namespace; write nothing")
	fs.StringVar(&o.method, "method", string(migrate.MethodAuto),
		"auto: the built-in StorageVersionMigration where it works, else client-side; builtin: the built-in one only; client: client-side only")
	fs.DurationVar(&o.builtinTimeout, "builtin-timeout", migrate.DefaultBuiltinTimeout,
		"how long a StorageVersionMigration may show no progress before --method auto migrates client-side (and builtin fails)")
	fs.DurationVar(&o.settle, "settle-interval", migrate.DefaultSettleInterval,
		"wait after the CRD is seen serving its storage version, for every API server to follow, before objects are rewritten")
	fs.Int64Var(&o.pageSize, "page-size", migrate.DefaultPageSize, "objects per list request")
	fs.IntVar(&o.workers, "workers", migrate.DefaultWorkers, "client-side rewrites in flight at once")
	return cmd
}

// maxWorkers caps --workers: more only queue at the API server.
const maxWorkers = 64

// validate checks the flags before any request is sent.
func (o *migrateOptions) validate() error {
	if err := o.cluster.validate(); err != nil {
		return err
	}
	switch migrate.Method(o.method) {
	case migrate.MethodAuto, migrate.MethodBuiltin, migrate.MethodClient:
	default:
		return usageError{fmt.Errorf("invalid --method %q: want auto, builtin or client", o.method)}
	}
	if o.builtinTimeout <= 0 {
		return usageError{fmt.Errorf("invalid --builtin-timeout %s: must be positive", o.builtinTimeout)}
	}
	if o.settle <= 0 {
		return usageError{fmt.Errorf("invalid --settle-interval %s: must be positive", o.settle)}
	}
	if o.pageSize <= 0 {
		return usageError{fmt.Errorf("invalid --page-size %d: must be positive", o.pageSize)}
	}
	if o.workers < 1 || o.workers > maxWorkers {
		return usageError{fmt.Errorf("invalid --workers %d: want 1 to %d", o.workers, maxWorkers)}
	}
	return nil
}

func (o *migrateOptions) run(ctx context.Context, cmd *cobra.Command, names []string) error {
	s, err := o.cluster.start(ctx, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer s.close()

	bundle, err := crds.Embedded()
	if err != nil {
		return err
	}
	if err := checkServer(s, newRetrier(s.log)); err != nil {
		return err
	}
	m, err := migrate.New(s.config, bundle, s.log, migrate.Options{
		Method:         migrate.Method(o.method),
		PageSize:       o.pageSize,
		Workers:        o.workers,
		BuiltinTimeout: o.builtinTimeout,
		SettleInterval: o.settle,
	})
	if err != nil {
		return usageError{err}
	}

	if o.dryRun {
		pending, err := m.DryRun(s.ctx, names)
		if err != nil {
			return usageIfUnknown(err)
		}
		return printPending(cmd.OutOrStdout(), pending)
	}
	_, err = m.Run(s.ctx, names)
	return usageIfUnknown(err)
}

// usageIfUnknown turns a CRD name the bundle or the cluster lacks into a
// usage error.
func usageIfUnknown(err error) error {
	if errors.Is(err, migrate.ErrUnknownCRD) {
		return usageError{err}
	}
	return err
}

// printPending writes the dry run's table: one line per CRD, then one per
// namespace of its objects.
func printPending(w io.Writer, pending []migrate.Pending) error {
	if len(pending) == 0 {
		_, err := fmt.Fprintln(w, "no CRD needs migrating")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CRD\tSTORED VERSIONS\tSTORAGE\tOBJECTS")
	for _, p := range pending {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", p.CRD, strings.Join(p.StoredVersions, ","), p.Storage, p.Objects)
		namespaces := make([]string, 0, len(p.Namespaces))
		for ns := range p.Namespaces {
			namespaces = append(namespaces, ns)
		}
		sort.Strings(namespaces)
		for _, ns := range namespaces {
			label := "  namespace " + ns
			if ns == "" {
				label = "  (cluster-scoped)"
			}
			fmt.Fprintf(tw, "%s\t\t\t%d\n", label, p.Namespaces[ns])
		}
	}
	return tw.Flush()
}
