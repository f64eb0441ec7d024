package layertar

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hushbuild/hush/secrets/archive"
)

func TestBadName(t *testing.T) {
	for name, bad := range map[string]bool{
		"etc/passwd": false, "./etc/passwd": false, "etc/": false, "a/../b": false, "..a": false, "a/..b/c": false,
		"/etc/passwd": true, "/": true, "/../../dev/zero": true, "../x": true, "..": true, "a/../../x": true, "./../x": true,
	} {
		if got := BadName(name) != ""; got != bad {
			t.Errorf("BadName(%q) refuses = %v, want %v", name, got, bad)
		}
	}
	err := Refused("a\nb", "climbs out of the layer")
	if !errors.Is(err, archive.ErrIncomplete) || strings.Contains(err.Error(), "\n") {
		t.Errorf("Refused = %q: want one line wrapping ErrIncomplete", err)
	}
}

// FuzzBadName: a name BadName lets through stays beneath the directory it
// is joined to, the way storage's getters join it.
func FuzzBadName(f *testing.F) {
	for _, s := range []string{"etc/x", "/../x", "a/../../b", "./", "..", "a/.."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if BadName(name) != "" {
			return
		}
		const root = "/layer/diff"
		if p := filepath.Join(root, name); p != root && !strings.HasPrefix(p, root+"/") {
			t.Errorf("BadName(%q) passes, but it joins to %s", name, p)
		}
	})
}
