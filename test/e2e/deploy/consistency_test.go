package deploy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/conversion"
	"github.com/flomesh-io/init-osm-bootstrap/pkg/version"
	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// checkTimeout bounds each test of this file: they render the manifests
// and read the binary's help, no API server work, but the first to ask for
// the binary builds it, which takes minutes on two busy cores.
const checkTimeout = 5 * time.Minute

const (
	crdGroup    = "apiextensions.k8s.io"
	crdResource = "customresourcedefinitions"
	imageName   = "flomesh/init-osm-bootstrap"
)

func checkContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	t.Cleanup(cancel)
	return ctx
}

// TestClusterRoleMatchesBundle checks the ClusterRole's names against the
// embedded bundle: the CRDs that may be written, and the custom resources
// that may be read and rewritten, are exactly the bundle's.
func TestClusterRoleMatchesBundle(t *testing.T) {
	ctx := checkContext(t)
	role := only[rbacv1.ClusterRole](t, manifests(ctx, t), "ClusterRole")
	b := framework.MustBundle(t)
	names := b.Names()
	slices.Sort(names)
	groups, plurals := sets.New[string](), sets.New[string]()
	for _, crd := range b.CRDs() {
		groups.Insert(crd.Spec.Group)
		plurals.Insert(crd.Spec.Names.Plural)
	}

	for _, r := range role.Rules {
		switch {
		case slices.Equal(r.APIGroups, []string{crdGroup}) && len(r.ResourceNames) > 0:
			got := slices.Sorted(slices.Values(r.ResourceNames))
			if !slices.Equal(got, names) {
				t.Errorf("rule %v names other CRDs than the bundle's; want:\n%s", r.Verbs, yamlList(names))
			}
		case !slices.Contains(r.APIGroups, crdGroup) && groups.HasAny(r.APIGroups...):
			if !sets.New(r.APIGroups...).Equal(groups) || !sets.New(r.Resources...).Equal(plurals) {
				t.Errorf("custom resource rule: groups %v and resources %v, want the bundle's %v and %v",
					r.APIGroups, r.Resources, sets.List(groups), sets.List(plurals))
			}
		}
	}
}

// TestNoWildcards checks that no rule grants a wildcard or a non-resource
// URL: what the service account may do is listed, name by name.
func TestNoWildcards(t *testing.T) {
	ctx := checkContext(t)
	objs := manifests(ctx, t)
	rules := append(only[rbacv1.ClusterRole](t, objs, "ClusterRole").Rules, only[rbacv1.Role](t, objs, "Role").Rules...)
	for _, r := range rules {
		for _, list := range [][]string{r.APIGroups, r.Resources, r.Verbs, r.ResourceNames} {
			if slices.Contains(list, "*") {
				t.Errorf("rule %+v grants a wildcard", r)
			}
		}
		if len(r.NonResourceURLs) > 0 {
			t.Errorf("rule %+v grants non-resource URLs; /version and discovery come with system:discovery", r)
		}
	}
}

// TestDeploymentFitsTheBinary checks the Deployment, Service and budget
// against the binary's flags and what the issue asks of the pod.
func TestDeploymentFitsTheBinary(t *testing.T) {
	ctx := checkContext(t)
	objs := manifests(ctx, t)
	d := only[appsv1.Deployment](t, objs, "Deployment")
	pod := &d.Spec.Template.Spec
	init, webhook := container(t, pod.InitContainers, "init-osm-bootstrap"), container(t, pod.Containers, "webhook")

	checkImages(t, init, webhook)
	checkCommands(t, init, webhook)
	checkPorts(ctx, t, webhook)
	checkService(ctx, t, only[corev1.Service](t, objs, "Service"), d, webhook)
	checkGrace(ctx, t, pod, webhook)
	checkSecurity(t, pod)
	checkAvailability(t, d, only[policyv1.PodDisruptionBudget](t, objs, "PodDisruptionBudget"))
	for _, c := range []*corev1.Container{init, webhook} {
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if c.Resources.Requests.Name(r, "").IsZero() || c.Resources.Limits.Name(r, "").IsZero() {
				t.Errorf("container %s: no %s request or limit", c.Name, r)
			}
		}
	}
	sa := only[corev1.ServiceAccount](t, objs, "ServiceAccount")
	if pod.ServiceAccountName != sa.Name {
		t.Errorf("serviceAccountName %q, want the ServiceAccount %q", pod.ServiceAccountName, sa.Name)
	}
}

func container(t *testing.T, cs []corev1.Container, name string) *corev1.Container {
	t.Helper()
	for i := range cs {
		if cs[i].Name == name {
			return &cs[i]
		}
	}
	t.Fatalf("no container %s", name)
	return nil
}

// checkImages wants one image for both containers, tagged "v" and VERSION.
func checkImages(t *testing.T, init, webhook *corev1.Container) {
	t.Helper()
	want := imageName + ":v" + version.Version()
	for _, c := range []*corev1.Container{init, webhook} {
		if c.Image != want {
			t.Errorf("container %s runs %q, want %q", c.Name, c.Image, want)
		}
	}
}

// checkCommands wants apply in the init container, the webhook in the
// other, and POD_NAMESPACE from the downward API in both.
func checkCommands(t *testing.T, init, webhook *corev1.Container) {
	t.Helper()
	for c, cmd := range map[*corev1.Container]string{init: "apply", webhook: "webhook"} {
		if len(c.Command) > 0 || len(c.Args) == 0 || c.Args[0] != cmd {
			t.Errorf("container %s: command %v args %v, want the image's entrypoint with %s", c.Name, c.Command, c.Args, cmd)
		}
		ok := slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool {
			return e.Name == "POD_NAMESPACE" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil &&
				e.ValueFrom.FieldRef.FieldPath == "metadata.namespace"
		})
		if !ok {
			t.Errorf("container %s: no POD_NAMESPACE from metadata.namespace", c.Name)
		}
	}
}

// checkPorts wants the container ports and probes where the webhook's
// flags put its listeners.
func checkPorts(ctx context.Context, t *testing.T, webhook *corev1.Container) {
	t.Helper()
	want := map[string]string{
		"webhook": argValue(webhook.Args, "port", flagDefault(ctx, t, "webhook", "port")),
		"health":  argValue(webhook.Args, "health-port", flagDefault(ctx, t, "webhook", "health-port")),
	}
	for name, port := range want {
		if got := containerPort(webhook, name); strconv.Itoa(int(got)) != port {
			t.Errorf("container port %s is %d, the webhook listens on %s", name, got, port)
		}
	}
	probes := map[string]*corev1.Probe{"/readyz": webhook.ReadinessProbe, "/healthz": webhook.LivenessProbe}
	for path, p := range probes {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != path || !portIs(webhook, p.HTTPGet.Port, "health") {
			t.Errorf("probe of %s: %+v, want an HTTP GET of %s on the health port", path, p, path)
		}
	}
}

func containerPort(c *corev1.Container, name string) int32 {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	return 0
}

// portIs reports whether port, by name or number, is the container's port
// named name.
func portIs(c *corev1.Container, port intstr.IntOrString, name string) bool {
	want := containerPort(c, name)
	if port.Type == intstr.String {
		return port.StrVal == name && want != 0
	}
	return port.IntVal == want
}

// checkService wants the Service that apply's defaults write into the
// CRDs, sending to the webhook's port of the Deployment's pods.
func checkService(ctx context.Context, t *testing.T, svc *corev1.Service, d *appsv1.Deployment, webhook *corev1.Container) {
	t.Helper()
	if want := flagDefault(ctx, t, "apply", "webhook-service-name"); svc.Name != want {
		t.Errorf("Service %q, apply writes %q into the CRDs", svc.Name, want)
	}
	wantPort := flagDefault(ctx, t, "apply", "webhook-port")
	if len(svc.Spec.Ports) != 1 || strconv.Itoa(int(svc.Spec.Ports[0].Port)) != wantPort ||
		!portIs(webhook, svc.Spec.Ports[0].TargetPort, "webhook") {
		t.Errorf("Service ports %+v, want one port %s to the webhook container's port", svc.Spec.Ports, wantPort)
	}
	if !selects(svc.Spec.Selector, d.Spec.Template.Labels) {
		t.Errorf("Service selector %v does not select the pods %v", svc.Spec.Selector, d.Spec.Template.Labels)
	}
}

func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// checkGrace wants the termination grace to cover the webhook's drain
// delay and the grace it gives in-flight reviews after it.
func checkGrace(ctx context.Context, t *testing.T, pod *corev1.PodSpec, webhook *corev1.Container) {
	t.Helper()
	drain, err := time.ParseDuration(argValue(webhook.Args, "drain-delay", flagDefault(ctx, t, "webhook", "drain-delay")))
	if err != nil {
		t.Fatal(err)
	}
	need := drain + conversion.ShutdownGracePeriod
	if pod.TerminationGracePeriodSeconds == nil || time.Duration(*pod.TerminationGracePeriodSeconds)*time.Second <= need {
		t.Errorf("terminationGracePeriodSeconds %v, want more than the drain delay and shutdown grace, %s",
			pod.TerminationGracePeriodSeconds, need)
	}
}

func checkSecurity(t *testing.T, pod *corev1.PodSpec) {
	t.Helper()
	sc := pod.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 ||
		sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext %+v, want runAsNonRoot, a non-zero runAsUser and seccomp RuntimeDefault", sc)
	}
	for _, c := range append(slices.Clone(pod.InitContainers), pod.Containers...) {
		s := c.SecurityContext
		if s == nil || s.AllowPrivilegeEscalation == nil || *s.AllowPrivilegeEscalation ||
			s.ReadOnlyRootFilesystem == nil || !*s.ReadOnlyRootFilesystem ||
			s.Capabilities == nil || !slices.Equal(s.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(s.Capabilities.Add) > 0 {
			t.Errorf("container %s securityContext %+v, want no privilege escalation, a read-only root and no capabilities", c.Name, s)
		}
	}
}

// checkAvailability wants a webhook serving through a rolling update, a
// node drain and the loss of a node.
func checkAvailability(t *testing.T, d *appsv1.Deployment, pdb *policyv1.PodDisruptionBudget) {
	t.Helper()
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Errorf("replicas %v, want 2", d.Spec.Replicas)
	}
	ru := d.Spec.Strategy.RollingUpdate
	if ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 || ru.MaxSurge == nil || ru.MaxSurge.IntValue() != 1 {
		t.Errorf("rolling update %+v, want maxUnavailable 0 and maxSurge 1", ru)
	}
	pod := d.Spec.Template.Spec
	if pod.PriorityClassName != "system-cluster-critical" {
		t.Errorf("priorityClassName %q, want system-cluster-critical", pod.PriorityClassName)
	}
	spread := slices.ContainsFunc(pod.TopologySpreadConstraints, func(c corev1.TopologySpreadConstraint) bool {
		return c.TopologyKey == corev1.LabelHostname && c.WhenUnsatisfiable == corev1.DoNotSchedule && c.MaxSkew == 1 &&
			c.LabelSelector != nil && selects(c.LabelSelector.MatchLabels, d.Spec.Template.Labels)
	})
	if !spread {
		t.Errorf("topologySpreadConstraints %+v do not keep the replicas on different nodes", pod.TopologySpreadConstraints)
	}
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() != 1 || pdb.Spec.Selector == nil ||
		!selects(pdb.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
		t.Errorf("PodDisruptionBudget %+v, want minAvailable 1 of the Deployment's pods", pdb.Spec)
	}
}

// TestNamespaceOverride renders an overlay that sets another namespace:
// every namespaced object and every binding's subject follow it.
func TestNamespaceOverride(t *testing.T) {
	ctx := checkContext(t)
	const other = "mesh-control"
	dir := t.TempDir()
	base, err := filepath.Rel(dir, deployDir())
	if err != nil {
		t.Fatal(err)
	}
	overlay := fmt.Sprintf("namespace: %s\nresources:\n  - %s\n", other, base)
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(overlay), 0o600); err != nil {
		t.Fatal(err)
	}

	objs := render(ctx, t, dir)
	clusterScoped := sets.New("ClusterRole", "ClusterRoleBinding")
	for _, o := range objs {
		if ns := o.GetNamespace(); !clusterScoped.Has(o.GetKind()) && ns != other {
			t.Errorf("%s %s in namespace %q, want %q", o.GetKind(), o.GetName(), ns, other)
		}
	}
	subjects := append(only[rbacv1.RoleBinding](t, objs, "RoleBinding").Subjects,
		only[rbacv1.ClusterRoleBinding](t, objs, "ClusterRoleBinding").Subjects...)
	for _, s := range subjects {
		if s.Namespace != other {
			t.Errorf("binding subject %s %s in namespace %q, want %q", s.Kind, s.Name, s.Namespace, other)
		}
	}
}

// yamlList formats names as the YAML list of a rule's resourceNames.
func yamlList(names []string) string {
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "      - %s\n", n)
	}
	return b.String()
}
