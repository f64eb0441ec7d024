package unpack

import (
	"archive/tar"
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzUnpack: whatever the archive, nothing is written outside the
// destination, nothing is left beside it, and what was written holds no
// device node, FIFO or setuid bit.
func FuzzUnpack(f *testing.F) {
	seeds := [][]m{
		{{name: "esc", typ: tar.TypeSymlink, link: "../outside"}, {name: "esc/x", body: "pwned"}},
		{{name: "esc", typ: tar.TypeSymlink, link: "/"}, {name: "l", typ: tar.TypeLink, link: "esc/etc/passwd"}},
		{{name: "../outside/x", body: "pwned"}, {name: "a/b", body: "ok", mode: 0o4755}},
		{{name: "d/", typ: tar.TypeDir, mode: 0o500}, {name: "d/f", body: "x"}, {name: "d/f", typ: tar.TypeLink, link: "d/f"}},
		{{name: "fifo", typ: tar.TypeFifo}, {name: "./", typ: tar.TypeDir, mode: 0o7777}},
	}
	for _, s := range seeds {
		f.Add(tarOf(f, s...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newSandbox(t)
		_, err := Unpack(context.Background(), bytes.NewReader(data), s.dest, Options{MaxBytes: 1 << 20, MaxEntries: 1000})
		s.assertOutsideUntouched(t, err == nil)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error of more than one line: %q", err)
			}
			return
		}
		_ = filepath.WalkDir(s.dest, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				return nil
			}
			if fi.Mode()&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket|fs.ModeSetuid|fs.ModeSetgid) != 0 {
				t.Errorf("%s: mode %v", p, fi.Mode())
			}
			return nil
		})
		_ = os.Chmod(s.dest, 0o700) // so t.TempDir can remove it
		_ = filepath.WalkDir(s.dest, func(p string, d fs.DirEntry, err error) error {
			if d != nil && d.IsDir() {
				_ = os.Chmod(p, 0o700)
			}
			return nil
		})
	})
}
