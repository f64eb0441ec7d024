package builder

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"

	"github.com/hushbuild/hush/secrets"
)

// delivery hands loaded secret values to buildah without writing them to
// persistent disk. buildah reads an env-type secret with os.Getenv at the
// moment a RUN step mounts it and writes the step's copy under TMPDIR, so
// the values sit in this process's environment (memory) only while the
// build runs, and TMPDIR points at a private tmpfs directory.
type delivery struct {
	loaded    []secrets.Secret
	envNames  []string
	specs     []string // for CommonBuildOptions.Secrets
	runMounts []string // Dockerfile-free target= injection, on every RUN
}

// envMu serialises builds that expose secrets through the process
// environment, which is shared by every goroutine.
var envMu sync.Mutex

func deliver(ctx context.Context, specs []secrets.Spec, store secrets.Store) (*delivery, error) {
	d := &delivery{}
	seen := map[string]bool{}
	for _, sp := range specs {
		if seen[sp.ID] {
			return nil, fmt.Errorf("--secret: id %q given twice", sp.ID)
		}
		seen[sp.ID] = true
		s, err := sp.LoadFrom(ctx, store)
		if err != nil {
			d.close()
			return nil, err
		}
		var nonce [8]byte
		_, _ = rand.Read(nonce[:])
		name := "HUSH_SECRET_" + hex.EncodeToString(nonce[:])
		d.loaded = append(d.loaded, s)
		d.envNames = append(d.envNames, name)
		d.specs = append(d.specs, fmt.Sprintf("id=%s,env=%s", sp.ID, name))
		if sp.Arg != "" {
			d.runMounts = append(d.runMounts, fmt.Sprintf("type=secret,id=%s,env=%s", sp.ID, sp.Arg))
		}
		if sp.Target != "" {
			d.runMounts = append(d.runMounts, fmt.Sprintf("type=secret,id=%s,target=%s,mode=%o,uid=%d,gid=%d",
				sp.ID, sp.Target, sp.Mode, sp.UID, sp.GID))
		}
	}
	return d, nil
}

// Loaded returns the secrets, for the guard and the redactor.
func (d *delivery) Loaded() []secrets.Secret { return d.loaded }

// expose places the values where buildah reads them, for the duration of
// the build, and points TMPDIR (where buildah copies them for each RUN
// step) at the build's tmpfs directory when it has one; the returned func
// undoes both.
func (d *delivery) expose(tmpDir string) (func(), error) {
	envMu.Lock()
	oldTmp, hadTmp := os.LookupEnv("TMPDIR")
	if tmpDir != "" {
		os.Setenv("TMPDIR", tmpDir)
	}
	restoreTmp := func() {
		if hadTmp {
			os.Setenv("TMPDIR", oldTmp)
		} else {
			os.Unsetenv("TMPDIR")
		}
	}
	for i, s := range d.loaded {
		if err := os.Setenv(d.envNames[i], string(s.Value())); err != nil {
			d.unexpose()
			restoreTmp()
			envMu.Unlock()
			return nil, fmt.Errorf("secret %q: exposing to the build: %w", s.ID, err)
		}
	}
	return func() {
		d.unexpose()
		restoreTmp()
		envMu.Unlock()
	}, nil
}

func (d *delivery) unexpose() {
	for _, n := range d.envNames {
		os.Unsetenv(n)
	}
}

// sensitive reports whether the build carries anything that must stay off
// persistent disk.
func (d *delivery) sensitive() bool { return len(d.loaded) > 0 }

// close wipes the values from memory.
func (d *delivery) close() {
	for _, s := range d.loaded {
		s.Wipe()
	}
}
