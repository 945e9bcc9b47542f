package crds

import (
	"encoding/json"
	"reflect"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	acv1 "k8s.io/apiextensions-apiserver/pkg/client/applyconfiguration/apiextensions/v1"
)

// upToDate tells whether the live CRD already holds, owned by FieldManager,
// exactly the fields apply would send. Then the apply is skipped: the server
// would find nothing to change. The comparison uses what the server holds
// (managedFields and values), not an annotation. Any doubt answers false,
// and the apply is sent.
func upToDate(live *apiextensionsv1.CustomResourceDefinition, body []byte) bool {
	if live == nil {
		return false
	}
	owned, err := acv1.ExtractCustomResourceDefinition(live, FieldManager)
	if err != nil {
		return false
	}
	ownedJSON, err := json.Marshal(owned)
	if err != nil {
		return false
	}
	var have, want map[string]any
	if json.Unmarshal(ownedJSON, &have) != nil || json.Unmarshal(body, &want) != nil {
		return false
	}
	return reflect.DeepEqual(have, want)
}
