package crpeer

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/conversion"

	accessv1alpha1 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/access/v1alpha1"
	accessv1alpha3 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/access/v1alpha3"
)

// TrafficTargetV1alpha1 is access.smi-spec.io/v1alpha1 TrafficTarget, a
// spoke.
type TrafficTargetV1alpha1 accessv1alpha1.TrafficTarget

// TrafficTargetV1alpha3 is access.smi-spec.io/v1alpha3 TrafficTarget, the
// hub (the storage version).
type TrafficTargetV1alpha3 accessv1alpha3.TrafficTarget

// trafficTargetLost is what one version of TrafficTarget cannot hold:
// v1alpha3 has no destination port, v1alpha1 no UDPRoute rules.
type trafficTargetLost struct {
	Port     json.Number   `json:"port,omitempty"`
	UDPRules []indexedRule `json:"udpRules,omitempty"`
}

// indexedRule is a rule and its place among the rules.
type indexedRule struct {
	Index int                 `json:"index"`
	Rule  accessv1alpha3.Rule `json:"rule"`
}

// Hub marks v1alpha3 as the hub.
func (*TrafficTargetV1alpha3) Hub() {}

// DeepCopyObject copies the object.
func (in *TrafficTargetV1alpha3) DeepCopyObject() runtime.Object {
	out := TrafficTargetV1alpha3(*(*accessv1alpha3.TrafficTarget)(in).DeepCopy())
	return &out
}

// DeepCopyObject copies the object.
func (in *TrafficTargetV1alpha1) DeepCopyObject() runtime.Object {
	out := TrafficTargetV1alpha1(*(*accessv1alpha1.TrafficTarget)(in).DeepCopy())
	return &out
}

// ConvertTo converts the object to the hub: its top-level fields go under
// spec, specs become rules, and the port goes into LostAnnotation.
func (in *TrafficTargetV1alpha1) ConvertTo(h conversion.Hub) error {
	out, ok := h.(*TrafficTargetV1alpha3)
	if !ok {
		return fmt.Errorf("convert TrafficTarget v1alpha1 to %T", h)
	}
	out.ObjectMeta = in.ObjectMeta
	var lost trafficTargetLost
	if _, err := takeLost(&out.ObjectMeta, &lost); err != nil {
		return err
	}
	d := in.Destination
	out.Spec.Destination = accessv1alpha3.Subject{Kind: d.Kind, Name: d.Name, Namespace: d.Namespace}
	out.Spec.Sources = make([]accessv1alpha3.Subject, len(in.Sources))
	for i, s := range in.Sources {
		out.Spec.Sources[i] = accessv1alpha3.Subject(s)
	}
	out.Spec.Rules = rulesOf(in.Specs, lost.UDPRules)
	if d.Port == "" {
		return nil
	}
	return putLost(&out.ObjectMeta, trafficTargetLost{Port: d.Port})
}

// rulesOf returns the rules of specs, with the lost UDPRoute rules back in
// their places.
func rulesOf(specs []accessv1alpha1.RouteSpec, lost []indexedRule) []accessv1alpha3.Rule {
	rules := make([]accessv1alpha3.Rule, 0, len(specs)+len(lost))
	for _, s := range specs {
		rules = append(rules, accessv1alpha3.Rule{Kind: accessv1alpha3.RouteKind(s.Kind), Name: s.Name, Matches: s.Matches})
	}
	for _, l := range lost {
		i := min(l.Index, len(rules))
		rules = append(rules[:i], append([]accessv1alpha3.Rule{l.Rule}, rules[i:]...)...)
	}
	return rules
}

// ConvertFrom converts the hub to the object: the reverse of ConvertTo,
// with UDPRoute rules going into LostAnnotation.
func (in *TrafficTargetV1alpha1) ConvertFrom(h conversion.Hub) error {
	hub, ok := h.(*TrafficTargetV1alpha3)
	if !ok {
		return fmt.Errorf("convert %T to TrafficTarget v1alpha1", h)
	}
	in.ObjectMeta = hub.ObjectMeta
	var lost trafficTargetLost
	if _, err := takeLost(&in.ObjectMeta, &lost); err != nil {
		return err
	}
	d := hub.Spec.Destination
	in.Destination = accessv1alpha1.Destination{Kind: d.Kind, Name: d.Name, Namespace: d.Namespace, Port: lost.Port}
	in.Sources = make([]accessv1alpha1.Source, len(hub.Spec.Sources))
	for i, s := range hub.Spec.Sources {
		in.Sources[i] = accessv1alpha1.Source(s)
	}
	var udp []indexedRule
	in.Specs = make([]accessv1alpha1.RouteSpec, 0, len(hub.Spec.Rules))
	for i, r := range hub.Spec.Rules {
		if r.Kind == accessv1alpha3.RouteKindUDPRoute {
			udp = append(udp, indexedRule{Index: i, Rule: r})
			continue
		}
		in.Specs = append(in.Specs, accessv1alpha1.RouteSpec{Kind: accessv1alpha1.RouteKind(r.Kind), Name: r.Name, Matches: r.Matches})
	}
	if udp == nil {
		return nil
	}
	return putLost(&in.ObjectMeta, trafficTargetLost{UDPRules: udp})
}
