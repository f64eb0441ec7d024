package guard

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/hushbuild/hush/builder/internal/rundir"
	"github.com/hushbuild/hush/secrets"
)

// withTmpfs points tmpfsBase at a fresh directory on /dev/shm.
func withTmpfs(t *testing.T) string {
	t.Helper()
	if !rundir.IsTmpfs("/dev/shm") {
		t.Skip("no tmpfs at /dev/shm")
	}
	d, err := os.MkdirTemp("/dev/shm", "hush-verdict-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	t.Setenv("HUSH_TMPFS", d)
	return d
}

func TestVerdicts(t *testing.T) {
	root := withTmpfs(t)
	const layer = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	const other = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	canary := []byte("verdict-canary-Zq83xK")
	set := []secrets.Secret{secrets.New("pip", canary), secrets.New("npm", []byte("npm-token-abcdef"))}

	v := OpenVerdicts(set)
	if v == nil {
		t.Fatal("no verdict store on a tmpfs")
	}
	if v.vetted(layer) {
		t.Fatal("a layer never scanned is vetted")
	}
	v.record(layer)
	if !v.vetted(layer) {
		t.Fatal("a recorded layer is not vetted")
	}
	if v.vetted(other) || v.vetted("") {
		t.Fatal("another layer is vetted")
	}
	// The order of the secrets does not matter; everything else does.
	if !OpenVerdicts([]secrets.Secret{set[1], set[0]}).vetted(layer) {
		t.Fatal("the same set in another order is not vetted")
	}
	for name, s := range map[string][]secrets.Secret{
		"changed value": {secrets.New("pip", []byte("verdict-canary-Zq83xL")), set[1]},
		"new id":        {set[0], set[1], secrets.New("extra", []byte("extra-value-123"))},
		"dropped id":    {set[0]},
		"renamed id":    {secrets.New("pip2", canary), set[1]},
	} {
		if OpenVerdicts(s).vetted(layer) {
			t.Errorf("%s: layer still vetted", name)
		}
	}
	if OpenVerdicts(nil) != nil {
		t.Error("a store for no secrets")
	}
	var none *Verdicts
	none.record(layer)
	if none.vetted(layer) {
		t.Error("nil store vets")
	}

	// Nothing in the store is the value or a plain hash of it.
	dir := filepath.Join(root, filepath.Base(mustBase(t))+".verdicts")
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("verdict dir %s: %v %v", dir, fi, err)
	}
	plain := sha256.Sum256(canary)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if bytes.Contains(b, canary) || bytes.Contains([]byte(e.Name()), canary) || e.Name() == hex.EncodeToString(plain[:]) {
			t.Errorf("%s reveals the secret", e.Name())
		}
	}

	// Another key (a new boot, another user) knows nothing.
	os.Remove(filepath.Join(dir, verdictKeyFile))
	if OpenVerdicts(set).vetted(layer) {
		t.Error("a verdict survived a new key")
	}
}

func mustBase(t *testing.T) string {
	b, err := rundir.TmpfsBase()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
