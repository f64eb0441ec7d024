package localstore

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.podman.io/storage/pkg/reexec"
)

func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// TestOpen: VFSOnly takes vfs unless a driver is named; a named driver is
// kept; an unusable root is an error naming the root.
func TestOpen(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("opening a store needs root or a user namespace")
	}
	dir := t.TempDir()
	for _, tt := range []struct {
		o    Options
		want string
	}{
		{Options{VFSOnly: true}, "vfs"},
		{Options{VFSOnly: true, Driver: "vfs"}, "vfs"},
	} {
		tt.o.Root, tt.o.RunRoot = filepath.Join(dir, "root"), filepath.Join(dir, "run")
		var report bytes.Buffer
		s, err := Open(tt.o, &report)
		if err != nil {
			t.Fatalf("Open(%+v): %v", tt.o, err)
		}
		if got := s.GraphDriverName(); got != tt.want {
			t.Errorf("Open(%+v): driver %s, want %s", tt.o, got, tt.want)
		}
		_, _ = s.Shutdown(true)
		if report.Len() != 0 {
			t.Errorf("Open(%+v) reported %q for a driver it was told", tt.o, report.String())
		}
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(Options{Root: filepath.Join(file, "root"), RunRoot: filepath.Join(dir, "run2"), Driver: "vfs"}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "opening storage at "+filepath.Join(file, "root")) {
		t.Errorf("a root under a file: %v; want an error naming the root", err)
	}
}
