package migrate

import (
	"testing"

	svmv1 "k8s.io/api/storagemigration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPhaseOf(t *testing.T) {
	cond := func(t svmv1.MigrationConditionType, s metav1.ConditionStatus) metav1.Condition {
		return metav1.Condition{Type: string(t), Status: s}
	}
	cases := []struct {
		name  string
		rv    string
		conds []metav1.Condition
		want  phase
	}{
		{name: "untouched", want: pending},
		{name: "resource version recorded", rv: "42", want: running},
		{name: "running", rv: "42", conds: []metav1.Condition{cond(svmv1.MigrationRunning, metav1.ConditionTrue)}, want: running},
		{name: "succeeded, CRD not yet done", rv: "42", conds: []metav1.Condition{
			cond(svmv1.MigrationRunning, metav1.ConditionTrue), cond(svmv1.MigrationSucceeded, metav1.ConditionTrue)}, want: succeededRunning},
		{name: "succeeded and cleaned up", rv: "42", conds: []metav1.Condition{
			cond(svmv1.MigrationRunning, metav1.ConditionFalse), cond(svmv1.MigrationSucceeded, metav1.ConditionTrue)}, want: succeeded},
		{name: "failed", rv: "42", conds: []metav1.Condition{
			cond(svmv1.MigrationRunning, metav1.ConditionTrue), cond(svmv1.MigrationFailed, metav1.ConditionTrue)}, want: failed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svm := &svmv1.StorageVersionMigration{Status: svmv1.StorageVersionMigrationStatus{ResourceVersion: tc.rv, Conditions: tc.conds}}
			if got := phaseOf(svm); got != tc.want {
				t.Errorf("phaseOf = %d, want %d", got, tc.want)
			}
		})
	}
}
