package tests

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPruneUnrecordedLayerDir: a layer directory (the copy of the secret a
// RUN step wrote, or the layer committed from it) whose record storage no
// longer keeps is neither listed nor deleted by storage. No kill was seen
// to leave one (TestSoakKillPrune's leak was an image under buildah's
// temporary name, TestKillMidCommit); the sweep removes them as a
// precaution. Such a directory is planted here, in a store of the test's
// own, and prune must remove it and nothing storage records.
func TestPruneUnrecordedLayerDir(t *testing.T) {
	c := newCanary(t)
	start := time.Now()
	store := freshStore(t)
	root, runRoot := store[1], store[3]
	home := filepath.Join(root, "overlay")
	if _, err := os.Stat(home); err != nil {
		home = filepath.Join(root, "vfs", "dir")
	}
	before, err := os.ReadDir(home)
	if err != nil {
		t.Fatal(err)
	}
	stray := filepath.Join(home, randHex(t, 32))
	for _, d := range []string{stray, filepath.Join(stray, "diff")} {
		if _, err := mkdirOwned(d); err != nil {
			t.Fatal(err)
		}
	}
	leak := filepath.Join(stray, "diff", "leak")
	if err := os.WriteFile(leak, []byte(c.value), 0o400); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(leak, suite.uid, suite.gid); err != nil {
		t.Fatal(err)
	}
	if len(residueIn(c, start, []string{root})) == 0 {
		t.Fatal("the planted copy of the secret is not found: the check below proves nothing")
	}

	r := runHush(t, nil, call{args: []string{"prune", "--root", root, "--runroot", runRoot}})
	if r.code != 0 {
		t.Fatalf("hush prune: exit %d\n%s", r.code, r.stderr)
	}
	t.Logf("hush prune: %s", r.stdout)
	for _, res := range residueIn(c, start, []string{root, runRoot}) {
		t.Errorf("LEAK: %s", res)
	}
	if _, err := os.Lstat(stray); !os.IsNotExist(err) {
		t.Errorf("the unrecorded layer directory is still there (%v)", err)
	}
	for _, e := range before {
		if _, err := os.Lstat(filepath.Join(home, e.Name())); err != nil {
			t.Errorf("prune removed %s, which storage records: %v", e.Name(), err)
		}
	}
}
