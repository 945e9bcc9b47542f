package migrate

import (
	"encoding/json"
	"testing"
)

func TestOptionsValidate(t *testing.T) {
	cases := []struct {
		method  Method
		wantErr bool
	}{
		{"", false}, {MethodAuto, false}, {MethodBuiltin, false}, {MethodClient, false}, {"server", true},
	}
	for _, tc := range cases {
		t.Run(string(tc.method), func(t *testing.T) {
			err := Options{Method: tc.method}.Validate()
			if (err != nil) != tc.wantErr {
				t.Errorf("Validate() = %v, want error %t", err, tc.wantErr)
			}
		})
	}
}

func TestOptionsDefaults(t *testing.T) {
	o := Options{}.withDefaults()
	if o.Method != MethodAuto || o.PageSize != DefaultPageSize || o.Workers != DefaultWorkers ||
		o.BuiltinTimeout != DefaultBuiltinTimeout || o.SettleInterval != DefaultSettleInterval ||
		o.ProgressInterval != DefaultProgressInterval || o.MaxAttempts != DefaultMaxAttempts || o.Backoff.MaxWait == 0 {
		t.Errorf("defaults not applied: %+v", o)
	}
	kept := Options{Method: MethodClient, PageSize: 7, Workers: 2}.withDefaults()
	if kept.Method != MethodClient || kept.PageSize != 7 || kept.Workers != 2 {
		t.Errorf("set options overridden: %+v", kept)
	}
}

func TestNoOpPatchHoldsOnlyTheResourceVersion(t *testing.T) {
	body, err := noOpPatch(`12"3`)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]map[string]string
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	if len(got) != 1 || len(got["metadata"]) != 1 || got["metadata"]["resourceVersion"] != `12"3` {
		t.Errorf("patch %s, want only metadata.resourceVersion", body)
	}
}
