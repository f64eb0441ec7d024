package main

import (
	"fmt"
	"os"

	"github.com/hushbuild/hush/secrets"
)

// takeEnvSecrets reads the secrets given as environment variables
// (--secret id=X,env=VAR) into a store, and takes each variable out of this
// process's environment: buildah starts its runtime helper and copier with
// os.Environ(), so a variable left there would sit in those processes'
// /proc/<pid>/environ for the whole build. The process is the CLI's, one
// build, so changing its environment is no build's business but its own.
// Missing variables are left to the library, which names the secret.
func takeEnvSecrets(specs []secrets.Spec) ([]secrets.Spec, secrets.MapStore) {
	store := secrets.MapStore{}
	out := make([]secrets.Spec, len(specs))
	taken := map[string]bool{}
	for i, sp := range specs {
		out[i] = sp
		if sp.Env == "" {
			continue
		}
		v, ok := os.LookupEnv(sp.Env)
		if _, dup := store[sp.ID]; !ok || dup {
			continue // the library names the secret (unset, or its id twice)
		}
		store[sp.ID] = []byte(v)
		out[i].Env = "" // no source of its own: the store's value
		taken[sp.Env] = true
	}
	for name := range taken {
		if err := os.Unsetenv(name); err != nil {
			fmt.Fprintf(os.Stderr, "hush: warning: %s: %v\n", name, err)
		}
	}
	return out, store
}
