package tests

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// residueDirs are where a build could leave a secret behind on the
// machine: the store, the temporary directories buildah falls back to, the
// tmpfs hush uses while it runs (empty of it once hush exits) and, when
// rootless, the user's runtime directory and home.
func residueDirs() []string {
	dirs := []string{suite.root, suite.runRoot, "/var/tmp", "/tmp", "/dev/shm"}
	if suite.user != "" {
		dirs = append(dirs, suite.runtime, suite.home)
	}
	return dirs
}

// maxResidueFile bounds what is read: secret copies are small, layers of
// the test images are a few megabytes.
const maxResidueFile = 64 << 20

// assertNoResidue fails if a file created or changed since start, in any
// of residueDirs, holds c. The test's own inputs (the secret files) are
// not looked at.
func assertNoResidue(t *testing.T, c *canary, start time.Time) {
	t.Helper()
	for _, r := range findResidue(c, start) {
		t.Errorf("LEAK: %s", r)
	}
}

func findResidue(c *canary, start time.Time) []string {
	return residueIn(c, start, residueDirs())
}

// residueIn is findResidue over dirs.
func residueIn(c *canary, start time.Time, dirs []string) []string {
	inputs := filepath.Join(suite.dir, "t")
	since := start.Add(-time.Second).UnixNano()
	seen := map[string]bool{}
	var found []string
	for _, dir := range dirs {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return nil // vanished or unreadable: nothing to read
			case d.IsDir() && (p == inputs || seen[p]):
				return filepath.SkipDir
			case c.find([]byte(d.Name())) != "":
				found = append(found, "a file left on the machine is named after the secret: "+p)
			}
			if d.IsDir() {
				seen[p] = true
				return nil
			}
			fi, err := d.Info()
			if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxResidueFile {
				return nil
			}
			st, ok := fi.Sys().(*syscall.Stat_t)
			if !ok || st.Ctim.Nano() < since && fi.ModTime().UnixNano() < since {
				return nil
			}
			if b, err := os.ReadFile(p); err == nil {
				if form := c.find(b); form != "" {
					found = append(found, "the secret ("+form+") is left on the machine in "+p)
				}
			}
			return nil
		})
	}
	return found
}
