package pattern

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestViewsClean streams real public files through the views: the Go
// sources, JSON, certificates, base64 and hex test data of the vendored
// modules. With the fixture secrets, nothing may match and no view may
// run out of budget or call a stream corrupt: either would refuse a clean
// build.
func TestViewsClean(t *testing.T) {
	set := NewSet(fixtureSecrets(t)...)
	total := 0
	err := filepath.WalkDir("../../vendor", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || total > 24<<20 {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		total += len(b)
		var ms []Match
		st := set.NewStream(func(m Match) { ms = append(ms, m) })
		for p := b; len(p) > 0; {
			k := min(len(p), 32<<10)
			_, _ = st.Write(p[:k])
			p = p[k:]
		}
		if len(ms) > 0 {
			t.Errorf("%s: %v", path, ms)
		}
		if err := st.Err(); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total < 8<<20 {
		t.Fatalf("only %d bytes of vendored files", total)
	}
}
