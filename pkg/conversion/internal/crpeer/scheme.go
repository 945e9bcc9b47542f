package crpeer

import (
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	accessv1alpha1 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/access/v1alpha1"
	accessv1alpha3 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/access/v1alpha3"
	configv1alpha1 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/config/v1alpha1"
	configv1alpha2 "github.com/flomesh-io/init-osm-bootstrap/pkg/apis/config/v1alpha2"
)

// LostAnnotation holds, as JSON, the fields a conversion dropped because
// the target version cannot hold them.
const LostAnnotation = "crpeer.example.com/lost"

// NewScheme returns a scheme of the peer's types, under the group, version
// and kind of the pkg/apis types they are defined on.
func NewScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	s.AddKnownTypeWithName(accessv1alpha1.SchemeGroupVersion.WithKind("TrafficTarget"), &TrafficTargetV1alpha1{})
	s.AddKnownTypeWithName(accessv1alpha3.SchemeGroupVersion.WithKind("TrafficTarget"), &TrafficTargetV1alpha3{})
	s.AddKnownTypeWithName(configv1alpha1.SchemeGroupVersion.WithKind("MeshConfig"), &MeshConfigV1alpha1{})
	s.AddKnownTypeWithName(configv1alpha2.SchemeGroupVersion.WithKind("MeshConfig"), &MeshConfigV1alpha2{})
	return s
}

// putLost records lost in meta's LostAnnotation, on a copy of the
// annotations (the source object's map must not change), or nothing when
// lost is nil.
func putLost(meta *metav1.ObjectMeta, lost any) error {
	if lost == nil {
		return nil
	}
	data, err := json.Marshal(lost)
	if err != nil {
		return fmt.Errorf("encode lost fields: %w", err)
	}
	annotations := make(map[string]string, len(meta.Annotations)+1)
	for k, v := range meta.Annotations {
		annotations[k] = v
	}
	annotations[LostAnnotation] = string(data)
	meta.Annotations = annotations
	return nil
}

// takeLost decodes meta's LostAnnotation into into and removes it from a
// copy of the annotations; false when there is none.
func takeLost(meta *metav1.ObjectMeta, into any) (bool, error) {
	data, ok := meta.Annotations[LostAnnotation]
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal([]byte(data), into); err != nil {
		return false, fmt.Errorf("decode lost fields: %w", err)
	}
	annotations := make(map[string]string, len(meta.Annotations))
	for k, v := range meta.Annotations {
		if k != LostAnnotation {
			annotations[k] = v
		}
	}
	if len(annotations) == 0 {
		annotations = nil
	}
	meta.Annotations = annotations
	return true, nil
}
