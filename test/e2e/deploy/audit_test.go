package deploy

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	"k8s.io/client-go/kubernetes"
)

// markTimeout bounds the wait for a mark's event in the audit log.
const markTimeout = 10 * time.Second

// decisionAnnotation is the audit annotation of the authorizer's decision.
const decisionAnnotation = "authorization.k8s.io/decision"

// request is what RBAC judged of one request of the service account.
type request struct {
	verb, group, resource, name, namespace string
	uri                                    string
	allowed                                bool
}

func (r request) String() string {
	return fmt.Sprintf("%s %s (group %q, name %q, namespace %q)", r.verb, r.resource, r.group, r.name, r.namespace)
}

// readAudit returns the requests the service account made, in the order of
// the log, from the events of their completion (or, for a watch, of its
// start). A server-side apply that created its object also counts as the
// create on that name, which the API server authorizes for it on top of
// the patch: the event records only the patch, with status 201.
func readAudit(t *testing.T) []request {
	t.Helper()
	f, err := os.Open(cp.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	var out []request
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ev auditv1.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("audit log line is not an event: %v", err)
		}
		if ev.ImpersonatedUser == nil || ev.ImpersonatedUser.Username != saUser || seen[string(ev.AuditID)] {
			continue
		}
		seen[string(ev.AuditID)] = true
		out = append(out, requestsOf(&ev)...)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func requestsOf(ev *auditv1.Event) []request {
	r := request{verb: ev.Verb, uri: ev.RequestURI, allowed: ev.Annotations[decisionAnnotation] == "allow"}
	if ref := ev.ObjectRef; ref != nil {
		r.group, r.resource, r.name, r.namespace = ref.APIGroup, ref.Resource, ref.Name, ref.Namespace
		if ref.Subresource != "" {
			r.resource += "/" + ref.Subresource
		}
	}
	if r.verb == "patch" && ev.ResponseStatus != nil && ev.ResponseStatus.Code == 201 {
		created := r
		created.verb = "create"
		return []request{r, created}
	}
	return []request{r}
}

// mark sends a request the role refuses, with a name of its own, and
// waits until its event is in the audit log. The events of every request
// that completed before it are then in the log too; mark returns how many
// of the service account's requests the log holds, up to and with it.
func mark(ctx context.Context, t *testing.T) int {
	t.Helper()
	name := "audit-mark-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	_, err := kubernetes.NewForConfigOrDie(saConfig()).CoreV1().ConfigMaps(namespace).Get(ctx, name, metav1.GetOptions{})
	if !apierrors.IsForbidden(err) {
		t.Fatalf("mark: get ConfigMap %s: %v, want forbidden", name, err)
	}
	var n int
	err = wait.PollUntilContextTimeout(ctx, pollInterval, markTimeout, true, func(context.Context) (bool, error) {
		reqs := readAudit(t)
		n = slices.IndexFunc(reqs, func(r request) bool { return r.name == name }) + 1
		return n > 0, nil
	})
	if err != nil {
		t.Fatalf("the audit log has no event of the mark %s: %v", name, err)
	}
	return n
}

// grantedRule is one verb of one rule of the manifests' roles; namespace
// is the Role's, "" for the ClusterRole.
type grantedRule struct {
	verb      string
	rule      rbacv1.PolicyRule
	namespace string
}

func (g grantedRule) String() string {
	scope := "ClusterRole"
	if g.namespace != "" {
		scope = "Role in " + g.namespace
	}
	return fmt.Sprintf("%s: %s %v of %v %v", scope, g.verb, g.rule.Resources, g.rule.APIGroups, g.rule.ResourceNames)
}

// granted splits the roles' rules by verb.
func granted(cluster *rbacv1.ClusterRole, role *rbacv1.Role) []grantedRule {
	var out []grantedRule
	add := func(rules []rbacv1.PolicyRule, ns string) {
		for _, r := range rules {
			for _, v := range r.Verbs {
				out = append(out, grantedRule{verb: v, rule: r, namespace: ns})
			}
		}
	}
	add(cluster.Rules, "")
	add(role.Rules, role.Namespace)
	return out
}

// covers reports whether g allows r, as RBAC matches a rule without
// wildcards (TestNoWildcards keeps them out).
func (g grantedRule) covers(r request) bool {
	if r.resource == "" || r.verb != g.verb || (g.namespace != "" && r.namespace != g.namespace) {
		return false
	}
	if !slices.Contains(g.rule.APIGroups, r.group) || !slices.Contains(g.rule.Resources, r.resource) {
		return false
	}
	return len(g.rule.ResourceNames) == 0 || slices.Contains(g.rule.ResourceNames, r.name)
}
