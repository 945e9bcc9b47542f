package migrate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
	svmv1 "k8s.io/api/storagemigration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// builtinPollInterval is how often a StorageVersionMigration is read while
// its controller works.
const builtinPollInterval = 500 * time.Millisecond

// cleanupTimeout bounds the deletion of a StorageVersionMigration, which
// also runs after the run's context ended.
const cleanupTimeout = 10 * time.Second

// svmNamePrefix starts the generated name of our StorageVersionMigrations.
const svmNamePrefix = "osm-bootstrap-"

// ManagedByLabel is set, to crds.FieldManager, on every
// StorageVersionMigration a Migrator creates.
const ManagedByLabel = "app.kubernetes.io/managed-by"

// errBuiltinFailed is a StorageVersionMigration that ended Failed.
var errBuiltinFailed = errors.New("built-in storage version migration failed")

// phase is where a StorageVersionMigration stands.
type phase int

const (
	// pending: no controller has touched it.
	pending phase = iota
	// running: a controller took it up.
	running
	// succeededRunning: the objects are rewritten; the controller has not
	// yet finished with the CRD (trimming storedVersions).
	succeededRunning
	// succeeded: done, the CRD included.
	succeeded
	// failed: the controller gave up.
	failed
)

// phaseOf reads the conditions and the resourceVersion the controller
// records before it starts.
func phaseOf(svm *svmv1.StorageVersionMigration) phase {
	conds := svm.Status.Conditions
	isRunning := apimeta.IsStatusConditionTrue(conds, string(svmv1.MigrationRunning))
	switch {
	case apimeta.IsStatusConditionTrue(conds, string(svmv1.MigrationFailed)):
		return failed
	case apimeta.IsStatusConditionTrue(conds, string(svmv1.MigrationSucceeded)) && isRunning:
		return succeededRunning
	case apimeta.IsStatusConditionTrue(conds, string(svmv1.MigrationSucceeded)):
		return succeeded
	case isRunning || svm.Status.ResourceVersion != "" || len(conds) > 0:
		return running
	default:
		return pending
	}
}

// builtinServed asks discovery whether the cluster serves
// StorageVersionMigrations.
func (m *Migrator) builtinServed(ctx context.Context) (bool, error) {
	gv := svmv1.SchemeGroupVersion.String()
	var served bool
	err := m.retry(ctx, "discover "+gv, func(context.Context) error {
		list, err := m.kube.Discovery().ServerResourcesForGroupVersion(gv)
		if apierrors.IsNotFound(err) {
			served = false
			return nil
		}
		if err != nil {
			return err
		}
		for _, r := range list.APIResources {
			served = served || r.Name == "storageversionmigrations"
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("discover %s: %w", gv, err)
	}
	return served, nil
}

// rewriteBuiltin creates a StorageVersionMigration of the snapshot's
// resource, follows it to its end and deletes it.
func (m *Migrator) rewriteBuiltin(ctx context.Context, name string, snap snapshot) error {
	svm := &svmv1.StorageVersionMigration{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: svmNamePrefix,
			Labels:       map[string]string{ManagedByLabel: crds.FieldManager},
		},
		Spec: svmv1.StorageVersionMigrationSpec{
			Resource: metav1.GroupResource{Group: snap.group, Resource: snap.plural},
		},
	}
	client := m.kube.StoragemigrationV1().StorageVersionMigrations()
	var created *svmv1.StorageVersionMigration
	err := m.retry(ctx, "create StorageVersionMigration", func(ctx context.Context) error {
		var err error
		created, err = client.Create(ctx, svm, metav1.CreateOptions{FieldManager: crds.FieldManager})
		return err
	})
	if err != nil {
		return fmt.Errorf("create StorageVersionMigration of %s: %w", name, err)
	}
	m.log.Info("built-in migration created", zap.String("crd", name), zap.String("svm", created.Name))
	defer m.deleteSVM(ctx, created.Name)
	return m.followSVM(ctx, name, created.Name)
}

// followSVM polls the StorageVersionMigration until it ends, fails or shows
// no progress within BuiltinTimeout. Once it succeeded, the wait for its
// controller to finish with the CRD is bounded by BuiltinTimeout too; the
// trim that follows checks the CRD either way.
func (m *Migrator) followSVM(ctx context.Context, crd, name string) error {
	client := m.kube.StoragemigrationV1().StorageVersionMigrations()
	start, lastLog := time.Now(), time.Now()
	var succeededAt time.Time
	for {
		var svm *svmv1.StorageVersionMigration
		err := m.retry(ctx, "get StorageVersionMigration", func(ctx context.Context) error {
			var err error
			svm, err = client.Get(ctx, name, metav1.GetOptions{})
			return err
		})
		if err != nil {
			return fmt.Errorf("get StorageVersionMigration %s: %w", name, err)
		}

		switch p := phaseOf(svm); {
		case p == failed:
			return fmt.Errorf("%w: %s", errBuiltinFailed, conditionMessage(svm, svmv1.MigrationFailed))
		case p == succeeded:
			return nil
		case p == succeededRunning && succeededAt.IsZero():
			succeededAt = time.Now()
		case p == succeededRunning && time.Since(succeededAt) > m.opts.BuiltinTimeout:
			m.log.Debug("built-in migration succeeded but its controller left the CRD alone", zap.String("crd", crd))
			return nil
		case p == pending && time.Since(start) > m.opts.BuiltinTimeout:
			return fmt.Errorf("%w: StorageVersionMigration %s made no progress within %s", ErrBuiltinUnavailable,
				name, m.opts.BuiltinTimeout)
		}

		if time.Since(lastLog) >= m.opts.ProgressInterval {
			lastLog = time.Now()
			m.log.Info("built-in migration progress", zap.String("crd", crd), zap.String("svm", name),
				zap.String("message", conditionMessage(svm, svmv1.MigrationRunning)), zap.Duration("elapsed", time.Since(start)))
		}
		if err := sleep(ctx, builtinPollInterval); err != nil {
			return err
		}
	}
}

func conditionMessage(svm *svmv1.StorageVersionMigration, t svmv1.MigrationConditionType) string {
	if c := apimeta.FindStatusCondition(svm.Status.Conditions, string(t)); c != nil {
		return c.Message
	}
	return ""
}

// deleteSVM deletes a StorageVersionMigration we created, even after ctx
// ended; a failure is only logged.
func (m *Migrator) deleteSVM(ctx context.Context, name string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	err := m.kube.StoragemigrationV1().StorageVersionMigrations().Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		m.log.Warn("StorageVersionMigration not deleted", zap.String("svm", name), zap.Error(err))
	}
}
