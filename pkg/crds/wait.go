package crds

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"go.uber.org/zap"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// ErrNamesRejected is wrapped when the API server marks a CRD
// NamesAccepted=False: its names clash with another CRD's.
var ErrNamesRejected = errors.New("names not accepted")

// waitEstablished watches the CRDs until every named one is Established and
// NamesAccepted. A watch that ends early is started again; ctx bounds the
// wait. A CRD whose names are refused fails at once with the server's
// message.
func (a *Applier) waitEstablished(ctx context.Context, names []string) error {
	pending := map[string]string{}
	for _, n := range names {
		pending[n] = "no status yet"
	}
	for len(pending) > 0 {
		err := a.watchOnce(ctx, pending)
		if err != nil && !errors.Is(err, errWatchEnded) {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("wait for CRDs to be established: %w (still waiting for %s)", ctx.Err(), describePending(pending))
		}
	}
	return nil
}

// errWatchEnded: the server closed the watch; it is started again.
var errWatchEnded = errors.New("watch ended")

// watchOnce runs one watch of all CRDs, which starts with the current state
// of each, and deletes from pending every CRD that is ready.
func (a *Applier) watchOnce(ctx context.Context, pending map[string]string) error {
	var w watch.Interface
	// The watch lives on the caller's ctx: the retrier's context of one
	// attempt ends when the attempt returns, and would close the stream.
	err := a.Retry(ctx, "watch CRDs", func(context.Context) error {
		var err error
		w, err = a.Client.Watch(ctx, metav1.ListOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("watch CRDs: %w", err)
	}
	defer w.Stop()

	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-w.ResultChan():
			if !ok {
				return errWatchEnded
			}
			if ev.Type == watch.Error {
				a.Log.Debug("CRD watch error", zap.Error(apierrors.FromObject(ev.Object)))
				return errWatchEnded
			}
			crd, isCRD := ev.Object.(*apiextensionsv1.CustomResourceDefinition)
			if !isCRD {
				continue
			}
			if _, waiting := pending[crd.Name]; !waiting {
				continue
			}
			ready, state, err := readiness(crd)
			if err != nil {
				return err
			}
			if ready {
				delete(pending, crd.Name)
				a.Log.Debug("CRD established", zap.String("crd", crd.Name))
			} else {
				pending[crd.Name] = state
			}
			if len(pending) == 0 {
				return nil
			}
		}
	}
}

// readiness tells whether a CRD is served, and if not, why.
func readiness(crd *apiextensionsv1.CustomResourceDefinition) (bool, string, error) {
	established, names := conditionOf(crd, apiextensionsv1.Established), conditionOf(crd, apiextensionsv1.NamesAccepted)
	if names != nil && names.Status == apiextensionsv1.ConditionFalse {
		return false, "", fmt.Errorf("CRD %s: %w: %s: %s", crd.Name, ErrNamesRejected, names.Reason, names.Message)
	}
	if established != nil && established.Status == apiextensionsv1.ConditionTrue &&
		names != nil && names.Status == apiextensionsv1.ConditionTrue {
		return true, "", nil
	}
	if established != nil && established.Message != "" {
		return false, established.Reason + ": " + established.Message, nil
	}
	return false, "not established yet", nil
}

func conditionOf(crd *apiextensionsv1.CustomResourceDefinition, t apiextensionsv1.CustomResourceDefinitionConditionType) *apiextensionsv1.CustomResourceDefinitionCondition {
	for i := range crd.Status.Conditions {
		if crd.Status.Conditions[i].Type == t {
			return &crd.Status.Conditions[i]
		}
	}
	return nil
}

func describePending(pending map[string]string) string {
	parts := make([]string, 0, len(pending))
	for name, state := range pending {
		parts = append(parts, name+" ("+state+")")
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
