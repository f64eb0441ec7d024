package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Store hands out secret values by id, as BuildKit's session/secrets
// SecretStore does: a program that holds values in memory (a vault client,
// a test) gives hush a Store instead of writing them to a file or into the
// environment. GetSecret returns an error wrapping ErrNotFound when it has
// no secret of that id. The caller owns the returned bytes and may wipe them.
type Store interface {
	GetSecret(ctx context.Context, id string) ([]byte, error)
}

// ErrNotFound is wrapped by a Store's error for an id it does not hold.
var ErrNotFound = errors.New("not found in the secret store")

// MapStore is a Store over values held in memory, for tests and for
// programs that already hold their secrets. GetSecret returns a copy, so a
// build wiping its values when it ends leaves the map intact for the next.
type MapStore map[string][]byte

// GetSecret returns a copy of the value of id.
func (m MapStore) GetSecret(_ context.Context, id string) ([]byte, error) {
	v, ok := m[id]
	if !ok {
		return nil, ErrNotFound
	}
	return bytes.Clone(v), nil
}

// String lists the ids only: a MapStore in a log line or an error must not
// print its values, as a plain map would.
func (m MapStore) String() string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return "secrets.MapStore[" + strings.Join(ids, " ") + "]"
}

// GoString redacts %#v too.
func (m MapStore) GoString() string { return m.String() }

// Format makes every verb print the redacted form.
func (m MapStore) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(m.String())) }

// Load reads the value the spec points at into memory: LoadFrom with no
// store and no deadline.
func (sp Spec) Load() (Secret, error) { return sp.LoadFrom(context.Background(), nil) }

// LoadFrom reads the value the spec points at into memory: its command's
// output (Cmd), an environment variable (Env) or a file (Src); a spec that
// names none of them takes its value from store. Every source is bounded
// by the spec's size cap, and a file or command source stops when ctx ends
// (source_file.go). Errors name the id (and
// the variable, path or exit status), never a value.
func (sp Spec) LoadFrom(ctx context.Context, store Store) (Secret, error) {
	var v []byte
	var err error
	switch {
	case sp.Cmd != "":
		v, err = runCommand(ctx, sp.Cmd, int(sp.limit()))
	case sp.Env != "":
		s, ok := os.LookupEnv(sp.Env)
		if !ok {
			return Secret{}, fmt.Errorf("secret %q: environment variable %s is not set", sp.ID, sp.Env)
		}
		v = []byte(s)
	case sp.Src != "":
		// The os error names the path and the cause, never the content.
		v, err = readFileSource(ctx, sp)
	case store != nil:
		v, err = store.GetSecret(ctx, sp.ID)
	default:
		return Secret{}, fmt.Errorf("secret %q: no source (src, env or cmd) and no secret store", sp.ID)
	}
	if err != nil {
		return Secret{}, fmt.Errorf("secret %q: %w", sp.ID, err)
	}
	if int64(len(v)) > sp.limit() {
		clear(v)
		return Secret{}, fmt.Errorf("secret %q: %w (%s); raise it with max-size=", sp.ID, ErrTooLarge, sizeString(sp.limit()))
	}
	return Secret{ID: sp.ID, value: v}, nil
}
