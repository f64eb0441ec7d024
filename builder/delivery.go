package builder

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hushbuild/hush/secrets"
)

// delivery hands loaded secret values to buildah. Each value is a 0400 file
// in the build's own tmpfs directory, given to buildah as a file-type
// secret: nothing goes into any process's environment or command line, and
// two builds in one process never see each other's values. buildah reads
// the file when a RUN step mounts the secret and copies it into the step's
// container directory, which internal/ctrdir keeps in the same tmpfs directory.
type delivery struct {
	loaded    []secrets.Secret
	specs     []string       // for CommonBuildOptions.Secrets, once placed
	runMounts []string       // Dockerfile-free target= and arg= injection, on every RUN, as buildah takes them
	mounts    []secrets.Spec // the specs behind runMounts, for container isolation
}

func deliver(ctx context.Context, specs []secrets.Spec, store secrets.Store) (*delivery, error) {
	d := &delivery{}
	seen := map[string]bool{}
	for _, sp := range specs {
		if seen[sp.ID] {
			d.close()
			return nil, fmt.Errorf("id %q given twice", sp.ID)
		}
		seen[sp.ID] = true
		s, err := sp.LoadFrom(ctx, store)
		if err != nil {
			d.close()
			return nil, err
		}
		d.loaded = append(d.loaded, s)
		if sp.Arg != "" || sp.Target != "" {
			d.mounts = append(d.mounts, sp)
		}
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

// place writes each value to <dir>/secrets/<n>, 0400, and fills specs.
// dir is the build's tmpfs directory; it goes when the build ends.
func (d *delivery) place(dir string) error {
	if len(d.loaded) == 0 || d.specs != nil {
		return nil // none, or placed for an earlier stage of this build
	}
	sdir := filepath.Join(dir, "secrets")
	if err := os.Mkdir(sdir, 0o700); err != nil {
		return fmt.Errorf("secrets directory: %w", err)
	}
	for i, s := range d.loaded {
		path := filepath.Join(sdir, strconv.Itoa(i))
		// buildah's spec syntax is comma-separated key=value.
		if strings.ContainsAny(path, ",") {
			return fmt.Errorf("secret %q: the tmpfs path %s holds a comma; set HUSH_TMPFS to another directory", s.ID, dir)
		}
		if err := writeValueFile(path, s.Value()); err != nil {
			return fmt.Errorf("secret %q: placing it for the build: %w", s.ID, err)
		}
		d.specs = append(d.specs, fmt.Sprintf("id=%s,src=%s,type=file", s.ID, path))
	}
	return nil
}

// writeValueFile creates path 0400 and writes value to it; O_EXCL, so it
// never writes through something already there.
func writeValueFile(path string, value []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o400)
	if err != nil {
		return err
	}
	_, err = f.Write(value)
	return errors.Join(err, f.Close())
}

// Loaded returns the secrets, for the guard and the redactor.
func (d *delivery) Loaded() []secrets.Secret { return d.loaded }

// sensitive reports whether the build carries anything that must stay off
// persistent disk.
func (d *delivery) sensitive() bool { return len(d.loaded) > 0 }

// close wipes the values from memory.
func (d *delivery) close() {
	for _, s := range d.loaded {
		s.Wipe()
	}
}
