package deploy

import (
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

// checkNoneRefused fails on any request of the runs that RBAC refused: a
// run that succeeds anyway fell back on something (plan compares locally
// when its dry run is refused), which the role should have granted.
func checkNoneRefused(t *testing.T, reqs []request) {
	t.Helper()
	for _, r := range reqs {
		if !r.allowed && !strings.HasPrefix(r.name, "audit-mark-") {
			t.Errorf("refused during the runs: %s", r)
		}
	}
}

// checkDiscovery wants the runs to have read the server's version with no
// rule of the role: the default system:discovery and
// system:public-info-viewer bindings of every authenticated user allow it.
func checkDiscovery(t *testing.T, reqs []request) {
	t.Helper()
	for _, r := range reqs {
		if r.resource == "" && strings.HasPrefix(r.uri, "/version") && r.allowed {
			return
		}
	}
	t.Error("no run read /version as the service account")
}

// checkEveryRuleUsed wants each verb of each rule of the roles to have
// allowed at least one request of the runs, except the rules of runs that
// could not take place. The rules of APIs the cluster does not serve
// cannot be used, and must not be: they are exempt, and checked unused.
func checkEveryRuleUsed(t *testing.T, cluster *rbacv1.ClusterRole, role *rbacv1.Role, reqs []request,
	skipped, unserved skips) {
	t.Helper()
	for _, g := range granted(cluster, role) {
		used := uses(g, reqs)
		if reason, ok := unservedFor(g, unserved); ok {
			t.Logf("exempt, %s: %s", reason, g)
			if used > 0 {
				t.Errorf("used %d times, for an API the cluster does not serve: %s", used, g)
			}
			continue
		}
		if reason, ok := skippedFor(g, skipped); ok {
			t.Logf("not checked, %s: %s", reason, g)
			continue
		}
		if used == 0 {
			t.Errorf("granted but never used: %s", g)
			continue
		}
		t.Logf("used %d times: %s", used, g)
	}
}

// uses counts the requests of reqs that g allowed.
func uses(g grantedRule, reqs []request) int {
	n := 0
	for _, r := range reqs {
		if r.allowed && g.covers(r) {
			n++
		}
	}
	return n
}

// unservedFor tells whether g is a rule of API groups the cluster does not
// serve, every one of them: a rule that also names a served group stays
// checked.
func unservedFor(g grantedRule, unserved skips) (string, bool) {
	var reason string
	for _, group := range g.rule.APIGroups {
		why, ok := unserved[group]
		if !ok {
			return "", false
		}
		reason = why
	}
	return reason, reason != ""
}

// skippedFor tells whether g belongs to a run that was skipped. Without
// migrate, its rules go unused: the StorageVersionMigrations, the status
// of CRDs and the patch of custom resources.
func skippedFor(g grantedRule, skipped skips) (string, bool) {
	for group, reason := range skipped {
		if slices.Contains(g.rule.APIGroups, group) {
			return reason, true
		}
		if group == migrateGroup && (slices.Contains(g.rule.Resources, crdResource+"/status") ||
			(g.verb == "patch" && !slices.Contains(g.rule.APIGroups, crdGroup))) {
			return reason, true
		}
	}
	return "", false
}
