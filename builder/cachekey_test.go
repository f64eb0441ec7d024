package builder

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDockerfileImages(t *testing.T) {
	tests := []struct {
		df, want, why string
	}{
		{"FROM busybox AS b\nFROM b\nCOPY --from=b /x /x\n", "busybox", ""},
		{"FROM scratch\nCOPY --from=alpine:3 /x /x\n", "alpine:3", ""},
		{"FROM busybox\nFROM 0\nCOPY --from=0 /x /x\n", "busybox", ""},
		{"ARG B=busybox\nFROM $B\n", "", "variable"},
		{"FROM busybox\nADD https://example.com/x /x\n", "", "URL"},
		{"FROM busybox\nRUN --mount=type=bind,from=golang:1,target=/g true\n", "busybox,golang:1", ""},
	}
	for _, tt := range tests {
		got, why := dockerfileImages([]byte(tt.df))
		if tt.why != "" {
			if !strings.Contains(why, tt.why) {
				t.Errorf("%q: why = %q, want it to say %q", tt.df, why, tt.why)
			}
			continue
		}
		if why != "" || strings.Join(got, ",") != tt.want {
			t.Errorf("%q: images %v (%q), want %s", tt.df, got, why, tt.want)
		}
	}
}

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
