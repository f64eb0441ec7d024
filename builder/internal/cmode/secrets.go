package cmode

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hushbuild/hush/secrets"
)

// In container isolation a RUN step shares hush's root filesystem, so a
// secret cannot be bind-mounted at its target. Its value goes to a file on
// tmpfs (the build's step directory, see stepDir), and the target becomes
// a symlink to that file for the one step that mounts it; both are gone
// before the stage is snapshot, and the symlink never holds the value.

// secretMount is one parsed `--mount=type=secret` (or hush's --secret
// target=/arg=, which apply to every step).
type secretMount struct {
	id, target, env string
	mode            os.FileMode
	uid, gid        int
	required        bool
}

// parseRunMount reads a RUN --mount value. Only secrets exist in
// container isolation: the other mount types need mounts.
func parseRunMount(spec string) (secretMount, error) {
	m := secretMount{mode: 0o400}
	kind := "bind" // BuildKit's default type
	hasTarget := false
	for _, field := range strings.Split(spec, ",") {
		k, v, _ := strings.Cut(field, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		switch k {
		case "type":
			kind = v
		case "id":
			m.id = v
		case "target", "dst", "destination":
			m.target, hasTarget = v, true
		case "env":
			m.env = v
		case "mode":
			n, err := strconv.ParseUint(v, 8, 32)
			if err != nil {
				return m, fmt.Errorf("RUN --mount %q: mode %q: want octal", kind, v)
			}
			m.mode = os.FileMode(n)
		case "uid", "gid":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return m, fmt.Errorf("RUN --mount: %s %q: want a number", k, v)
			}
			if k == "uid" {
				m.uid = n
			} else {
				m.gid = n
			}
		case "required":
			m.required = v == "" || v == "true"
		}
	}
	if kind != "secret" {
		return m, fmt.Errorf("RUN --mount=type=%s: container isolation supports only type=secret (no mounts without namespaces)", kind)
	}
	if m.id == "" {
		if !hasTarget {
			return m, fmt.Errorf("RUN --mount=type=secret: id or target is required")
		}
		m.id = filepath.Base(m.target)
	}
	if !hasTarget && m.env == "" {
		m.target = "/run/secrets/" + m.id
	}
	if m.target != "" && !filepath.IsAbs(m.target) {
		m.target = "/run/secrets/" + m.target
	}
	return m, nil
}

// stepSecrets is what one step's secrets put in place, to be undone.
type stepSecrets struct {
	// root is the stage root ("" or /: container isolation), chown sets a
	// value file's owner (nil: os.Lchown).
	root  string
	chown func(path string, uid, gid int) error
	env   []string
	undo  []func()
	files []string
}

// place makes the step's secrets visible: env= values in its environment,
// files at their targets. values are the build's loaded secrets.
func (st *stepSecrets) place(dir string, m secretMount, values map[string]secrets.Secret) error {
	s, ok := values[m.id]
	if !ok {
		if m.required {
			return fmt.Errorf("secret %q is required by RUN --mount but was not given (--secret id=%s,...)", m.id, m.id)
		}
		return nil
	}
	if m.env != "" {
		st.env = append(st.env, m.env+"="+string(s.Value()))
	}
	if m.target == "" {
		return nil
	}
	var nonce [12]byte
	_, _ = rand.Read(nonce[:])
	file := filepath.Join(dir, hex.EncodeToString(nonce[:]))
	if err := writeSecretFile(file, s.Value(), m, st.chown); err != nil {
		return fmt.Errorf("secret %q: %w", m.id, err)
	}
	st.files = append(st.files, file)
	top := "/"
	if st.root != "" {
		top = st.root
	}
	target := filepath.Join(top, filepath.Clean("/"+m.target))
	// Parents the target needs are made for the step and removed after,
	// so the layer holds no stub.
	var made []string
	for d := filepath.Dir(target); d != top && d != "/"; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		}
		made = append([]string{d}, made...)
	}
	for _, d := range made {
		if err := os.Mkdir(d, 0o755); err != nil {
			return fmt.Errorf("secret %q: target %s: %w", m.id, target, err)
		}
	}
	st.undo = append(st.undo, func() {
		for i := len(made) - 1; i >= 0; i-- {
			_ = os.Remove(made[i])
		}
	})
	// Something the image has at the target is put aside for the step.
	aside := ""
	if _, err := os.Lstat(target); err == nil {
		aside = target + ".hush-aside-" + hex.EncodeToString(nonce[:4])
		if err := os.Rename(target, aside); err != nil {
			return fmt.Errorf("secret %q: target %s: %w", m.id, target, err)
		}
	}
	if err := os.Symlink(file, target); err != nil {
		if aside != "" {
			_ = os.Rename(aside, target)
		}
		return fmt.Errorf("secret %q: target %s: %w", m.id, target, err)
	}
	st.undo = append(st.undo, func() {
		_ = os.Remove(target)
		if aside != "" {
			_ = os.Rename(aside, target)
		}
	})
	return nil
}

func writeSecretFile(path string, value []byte, m secretMount, chown func(string, int, int) error) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(value)
	if err == nil {
		if chown != nil {
			err = chown(path, m.uid, m.gid)
		} else {
			err = f.Chown(m.uid, m.gid)
		}
	}
	if err == nil {
		err = f.Chmod(m.mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
	}
	return err
}

// remove undoes place, last first, and deletes the value files.
func (st *stepSecrets) remove() error {
	for i := len(st.undo) - 1; i >= 0; i-- {
		st.undo[i]()
	}
	st.undo = nil
	var errs []error
	for _, f := range st.files {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	st.files = nil
	clear(st.env)
	st.env = nil
	return errors.Join(errs...)
}
