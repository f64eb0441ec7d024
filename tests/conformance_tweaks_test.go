package tests

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// conformanceTweaks are the suite's tweakContextDir functions this test
// ports (cases.json marks them "tweak"): each adds files to the context
// with the owners, modes, times and xattrs the case is about. The cases
// not here are skipped (docs/conformance.md).
var conformanceTweaks = map[string]func(t *testing.T, ctxDir string){
	"copy-permissions":          ownedSubdir,
	"copy-permissions-implicit": ownedSubdir,
	"setuid-file-in-context": func(t *testing.T, ctxDir string) {
		tweakFile(t, filepath.Join(ctxDir, "should-be-setuid-file"), unix.S_ISUID|0o755, -1, "")
		tweakFile(t, filepath.Join(ctxDir, "should-be-setgid-file"), unix.S_ISGID|0o755, -1, "")
		tweakFile(t, filepath.Join(ctxDir, "should-be-sticky-file"), unix.S_ISVTX|0o755, -1, "")
		tweakFile(t, filepath.Join(ctxDir, "should-not-be-setuid-setgid-sticky-file"), 0o640, -1, "")
	},
	"xattrs-file-in-context": func(t *testing.T, ctxDir string) {
		tweakFile(t, filepath.Join(ctxDir, "xattrs-file"), 0o640, -1, "user.a")
	},
}

// ownedSubdir: subdir/ with a file owned by root and one by 99.
func ownedSubdir(t *testing.T, ctxDir string) {
	if err := os.Mkdir(filepath.Join(ctxDir, "subdir"), 0o755); err != nil {
		t.Fatal(err)
	}
	tweakFile(t, filepath.Join(ctxDir, "subdir", "would-be-owned-by-root"), 0o640, 0, "")
	tweakFile(t, filepath.Join(ctxDir, "subdir", "would-be-owned-by-99"), 0o640, 99, "")
}

// tweakFile writes "test content" to p with mode (setuid bits too), owner
// (uid = gid; -1 leaves it), an xattr set to "test" where named, and the
// suite's testDate.
func tweakFile(t *testing.T, p string, mode uint32, owner int, xattr string) {
	t.Helper()
	if err := os.WriteFile(p, []byte("test content"), 0o644); err != nil {
		t.Fatal(err)
	}
	if xattr != "" {
		if err := unix.Lsetxattr(p, xattr, []byte("test"), 0); err != nil {
			t.Skipf("the context directory takes no xattrs: %v", err)
		}
	}
	if err := unix.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	if owner >= 0 {
		if err := os.Chown(p, owner, owner); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(p, testDate, testDate); err != nil {
		t.Fatal(err)
	}
}
