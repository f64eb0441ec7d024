package archive

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hushbuild/hush/secrets/pattern"
)

// TestCleanFilesNotRefused scans real files that carry magic numbers by
// chance or real archives of their own (executables, shared libraries,
// Debian packages, kernel modules) with secrets they do not hold: no
// finding, and no "scan incomplete" (a false refusal). HUSH_CLEAN_DIRS
// (colon-separated) names the directories; by default /usr/bin and the
// apt cache (add /usr/lib/x86_64-linux-gnu and a directory of Debian
// packages for the full check docs/audit.md reports).
func TestCleanFilesNotRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("reads some 500 MB of system files")
	}
	dirs := filepath.SplitList(os.Getenv("HUSH_CLEAN_DIRS"))
	if len(dirs) == 0 {
		dirs = []string{"/usr/bin", "/var/cache/apt/archives"}
	}
	set := pattern.NewSet(fixtureSecrets(t)...)
	files := NewFiles(set)
	defer files.Close()
	var n, bytes int64
	start := time.Now()
	for _, dir := range dirs {
		_ = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
			if err != nil || !e.Type().IsRegular() {
				return nil
			}
			f, err := os.Open(p)
			if err != nil {
				return nil
			}
			defer f.Close()
			info, _ := f.Stat()
			n, bytes = n+1, bytes+info.Size()
			err = files.Scan(p, f, func(fd Finding) { t.Errorf("clean %s: finding %v", p, fd) })
			if errors.Is(err, ErrIncomplete) {
				t.Errorf("clean %s refused: %v", p, err)
			}
			return nil
		})
	}
	t.Logf("%d files, %d MB in %s", n, bytes>>20, time.Since(start).Round(time.Millisecond))
}
