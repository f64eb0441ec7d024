package cmode

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSelfPrint(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin, store := filepath.Join(dir, "bin"), filepath.Join(dir, "storage")
	for _, d := range []string{bin, store} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	hush := filepath.Join(bin, "hush")
	if err := os.WriteFile(hush, []byte("#!/bin/sh\necho real\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	// With the hash cache a build uses: an unchanged stat reuses the
	// hash, a rewrite moves the change time and is hashed again.
	p, err := fingerprintWith(dir, []string{store}, hashCache{})
	if err != nil {
		t.Fatal(err)
	}
	pastCtimeTick(t, store)
	// hush's own writes (the store) are not a change.
	if err := os.WriteFile(filepath.Join(store, "layer"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.check(); err != nil {
		t.Fatalf("unchanged directory: %v", err)
	}
	// Same size, same mtime, other content: the hash tells.
	st, _ := os.Stat(hush)
	if err := os.WriteFile(hush, []byte("#!/bin/sh\necho evil\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(hush, time.Time{}, st.ModTime()); err != nil {
		t.Fatal(err)
	}
	err = p.check()
	if !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), hush) {
		t.Fatalf("replaced binary: %v, want ErrTampered naming it", err)
	}
	// The mark makes the next build refuse at once.
	if _, err := fingerprintSelf(dir, []string{store}); !errors.Is(err, ErrTampered) {
		t.Errorf("after a change, the next fingerprint: %v, want ErrTampered", err)
	}
}

func TestSelfPrintParkedFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p, err := fingerprintSelf(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tmp", "parked"), []byte("value"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.check(); !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), "more") {
		t.Errorf("a parked file: %v, want ErrTampered naming the changed paths", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "tmp")); !os.IsNotExist(err) {
		t.Errorf("the parked file's directory is still there (%v): a step's additions must go", err)
	}
}
