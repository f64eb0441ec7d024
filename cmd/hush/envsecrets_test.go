package main

import (
	"context"
	"os"
	"testing"

	"github.com/hushbuild/hush/secrets"
)

// TestTakeEnvSecrets: a secret given as an environment variable leaves
// hush's environment (so no process hush starts inherits it) and reaches
// the build through the store.
func TestTakeEnvSecrets(t *testing.T) {
	t.Setenv("HUSH_TAKE_TEST_A", "canary-take-a")
	specs, store := takeEnvSecrets([]secrets.Spec{
		{ID: "a", Env: "HUSH_TAKE_TEST_A"},
		{ID: "b", Env: "HUSH_TAKE_TEST_A"}, // the same variable twice
		{ID: "f", Src: "/some/file"},
		{ID: "u", Env: "HUSH_TAKE_TEST_UNSET"},
	})
	if _, ok := os.LookupEnv("HUSH_TAKE_TEST_A"); ok {
		t.Error("the variable is still in the environment")
	}
	for _, id := range []string{"a", "b"} {
		if v, err := store.GetSecret(context.Background(), id); err != nil || string(v) != "canary-take-a" {
			t.Errorf("store[%s] = %q, %v", id, v, err)
		}
	}
	if specs[0].Env != "" || specs[1].Env != "" || specs[2].Src != "/some/file" || specs[3].Env != "HUSH_TAKE_TEST_UNSET" {
		t.Errorf("specs = %+v: want env sources moved to the store, others untouched", specs)
	}
	if s, err := specs[0].LoadFrom(context.Background(), store); err != nil || string(s.Value()) != "canary-take-a" {
		t.Errorf("LoadFrom = %v, want the value from the store", err)
	}
}
