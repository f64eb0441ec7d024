package stagecache

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestTreeDigest: file times are not in the digest, content and ignored
// files are handled as a COPY sees them.
func TestTreeDigest(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.txt", "one")
	write(".dockerignore", "ignored.log\n")
	d1, err := treeDigest(dir)
	if err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Hour)
	_ = os.Chtimes(filepath.Join(dir, "a.txt"), future, future)
	write("ignored.log", "noise")
	if d2, _ := treeDigest(dir); d2 != d1 {
		t.Error("a new mtime or an ignored file changed the digest")
	}
	write("a.txt", "two")
	if d3, _ := treeDigest(dir); d3 == d1 {
		t.Error("changed content left the digest as it was")
	}
}
