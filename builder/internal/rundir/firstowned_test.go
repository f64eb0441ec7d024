package rundir

import (
	"os"
	"path/filepath"
	"testing"
)

// The squatted-base fallback never takes hush's own verdicts or blob-info
// directory (which sort before any MkdirTemp name) for a base.
func TestFirstOwnedSkipsOwnState(t *testing.T) {
	parent := t.TempDir()
	for _, d := range []string{"hush-7.blobinfo", "hush-7.verdicts", "hush-7.123.verdicts"} {
		if err := os.Mkdir(filepath.Join(parent, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if got := firstOwned(parent, "hush-7"); got != "" {
		t.Fatalf("firstOwned = %s, want none: only hush's own state is there", got)
	}
	alt := filepath.Join(parent, "hush-7.123")
	if err := os.Mkdir(alt, 0o700); err != nil {
		t.Fatal(err)
	}
	if got := firstOwned(parent, "hush-7"); got != alt {
		t.Errorf("firstOwned = %q, want %s", got, alt)
	}
}
