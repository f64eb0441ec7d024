package unpack

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// m is one archive member for a test: a regular file unless typ says
// otherwise; link is a symlink's or hard link's target.
type m struct {
	name, body, link string
	typ              byte
	mode             int64
}

func tarOf(t testing.TB, ms ...m) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range ms {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: e.link, ModTime: time.Unix(1700000000, 0)}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sandbox is a parent directory holding dest and, beside it, outside: a
// directory with a file the archives aim at.
type sandbox struct{ parent, dest, outside string }

func newSandbox(t testing.TB) sandbox {
	p := t.TempDir()
	s := sandbox{parent: p, dest: filepath.Join(p, "dest"), outside: filepath.Join(p, "outside")}
	if err := os.Mkdir(s.outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.outside, "shadow"), []byte("host file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

// assertOutsideUntouched: outside holds only its file, unchanged, and the
// parent only dest (when it was made) and outside.
func (s sandbox) assertOutsideUntouched(t *testing.T, destMade bool) {
	t.Helper()
	ents, _ := os.ReadDir(s.outside)
	if len(ents) != 1 {
		t.Errorf("outside holds %d entries, want 1", len(ents))
	}
	if b, _ := os.ReadFile(filepath.Join(s.outside, "shadow")); string(b) != "host file\n" {
		t.Errorf("outside/shadow changed")
	}
	want := map[string]bool{"outside": true, "dest": destMade}
	ents, _ = os.ReadDir(s.parent)
	for _, e := range ents {
		if !want[e.Name()] {
			t.Errorf("left beside the destination: %s", e.Name())
		}
		delete(want, e.Name())
	}
	if want["dest"] {
		t.Errorf("dest was not made")
	}
}

func TestUnpackRefuses(t *testing.T) {
	tests := []struct {
		name string
		ms   func(s sandbox) []m
		want string
	}{
		{"absolute symlink then write through it", func(s sandbox) []m {
			return []m{{name: "esc", typ: tar.TypeSymlink, link: s.outside}, {name: "esc/x", body: "pwned"}}
		}, `"esc/x": path "esc" goes through a symlink`},
		{"relative symlink then write through it", func(s sandbox) []m {
			return []m{{name: "a/esc", typ: tar.TypeSymlink, link: "../../outside"}, {name: "a/esc/x", body: "pwned"}}
		}, "goes through a symlink"},
		{"symlink then directory beneath it", func(s sandbox) []m {
			return []m{{name: "esc", typ: tar.TypeSymlink, link: s.outside}, {name: "esc/d/", typ: tar.TypeDir, mode: 0o755}}
		}, "goes through a symlink"},
		{"hard link to a host file", func(s sandbox) []m {
			return []m{{name: "shadow", typ: tar.TypeLink, link: filepath.Join(s.outside, "shadow")}}
		}, "hard link target"},
		{"hard link to a host file, relative", func(s sandbox) []m {
			return []m{{name: "shadow", typ: tar.TypeLink, link: "../outside/shadow"}}
		}, "hard link target is not a member"},
		{"hard link through a symlink", func(s sandbox) []m {
			return []m{{name: "esc", typ: tar.TypeSymlink, link: s.outside}, {name: "shadow", typ: tar.TypeLink, link: "esc/shadow"}}
		}, "hard link target"},
		{"hard link to a symlink", func(s sandbox) []m {
			return []m{{name: "l", typ: tar.TypeSymlink, link: filepath.Join(s.outside, "shadow")}, {name: "shadow", typ: tar.TypeLink, link: "l"}}
		}, "not a regular file"},
		{"dot-dot name", func(s sandbox) []m { return []m{{name: "../outside/x", body: "pwned"}} }, "climbs out"},
		{"dot-dot inside a name", func(s sandbox) []m { return []m{{name: "a/../../outside/x", body: "pwned"}} }, "climbs out"},
		{"file replacing a directory", func(s sandbox) []m {
			return []m{{name: "d/", typ: tar.TypeDir, mode: 0o755}, {name: "d/f", body: "x"}, {name: "d", body: "y"}}
		}, "would replace a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSandbox(t)
			_, err := Unpack(context.Background(), bytes.NewReader(tarOf(t, tt.ms(s)...)), s.dest, Options{})
			var ue *Error
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want an *Error naming %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "pwned") || strings.Contains(err.Error(), "host file") || strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("error %q holds content or more than one line", err)
			}
			s.assertOutsideUntouched(t, false)
		})
	}
}

func TestUnpackWrites(t *testing.T) {
	s := newSandbox(t)
	var made string
	st, err := Unpack(context.Background(), bytes.NewReader(tarOf(t,
		m{name: "./", typ: tar.TypeDir, mode: 0o750},
		m{name: "/abs/file", body: "leading slash dropped"},
		m{name: "ro/", typ: tar.TypeDir, mode: 0o500},
		m{name: "ro/inside", body: "in a 0500 directory", mode: 0o444},
		m{name: "deep/er/file", body: "implicit parents"},
		m{name: "bin/su", body: "setuid", mode: 0o4755},
		m{name: "bin/ln", typ: tar.TypeLink, link: "bin/su"},
		m{name: "mtab", typ: tar.TypeSymlink, link: "/proc/mounts"},
		m{name: "a/up", typ: tar.TypeSymlink, link: "../../../../etc/passwd"},
		m{name: "dev/null", typ: tar.TypeChar},
		m{name: "fifo", typ: tar.TypeFifo},
		m{name: "dup", body: "first"},
		m{name: "dup", body: "second"},
		m{name: "was-link", typ: tar.TypeSymlink, link: filepath.Join(s.outside, "shadow")},
		m{name: "was-link", body: "replaces the symlink, not its target"},
	)), s.dest, Options{Made: func(tmp string) error { made = tmp; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(filepath.Base(made), TempPrefix) || filepath.Dir(made) != s.parent {
		t.Errorf("Made got %q, want a %s* directory beside dest", made, TempPrefix)
	}
	s.assertOutsideUntouched(t, true)
	files := map[string]string{
		"abs/file": "leading slash dropped", "ro/inside": "in a 0500 directory", "deep/er/file": "implicit parents",
		"bin/ln": "setuid", "dup": "second", "was-link": "replaces the symlink, not its target",
	}
	for name, want := range files {
		if b, err := os.ReadFile(filepath.Join(s.dest, name)); err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", name, b, err, want)
		}
	}
	for name, want := range map[string]string{"mtab": "/proc/mounts", "a/up": "../../../../etc/passwd"} {
		if got, err := os.Readlink(filepath.Join(s.dest, name)); err != nil || got != want {
			t.Errorf("%s -> %q, %v; want %q", name, got, err, want)
		}
	}
	for name, want := range map[string]fs.FileMode{".": fs.ModeDir | 0o750, "ro": fs.ModeDir | 0o500, "bin/su": 0o755, "deep": fs.ModeDir | 0o755} {
		if fi, err := os.Lstat(filepath.Join(s.dest, name)); err != nil || fi.Mode() != want {
			t.Errorf("%s: mode %v, %v; want %v", name, fi.Mode(), err, want)
		}
	}
	for _, name := range []string{"dev/null", "fifo"} {
		if _, err := os.Lstat(filepath.Join(s.dest, name)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s was written: %v", name, err)
		}
	}
	if st.Skipped != 2 || st.Stripped != 1 {
		t.Errorf("stats %+v: want 2 skipped, 1 stripped", st)
	}
	a, _ := os.Stat(filepath.Join(s.dest, "bin/su"))
	b, _ := os.Stat(filepath.Join(s.dest, "bin/ln"))
	if !os.SameFile(a, b) {
		t.Errorf("bin/ln is not a hard link of bin/su")
	}
	if fi, _ := os.Stat(filepath.Join(s.dest, "dup")); fi == nil || !fi.ModTime().Equal(time.Unix(1700000000, 0)) {
		t.Errorf("dup's mtime was not restored")
	}
}

func TestUnpackKeepSetuidAndGzip(t *testing.T) {
	s := newSandbox(t)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	_, _ = zw.Write(tarOf(t, m{name: "su", body: "x", mode: 0o6755}))
	_ = zw.Close()
	if _, err := Unpack(context.Background(), &z, s.dest, Options{KeepSetuid: true}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(s.dest, "su")); err != nil || fi.Mode() != 0o755|fs.ModeSetuid|fs.ModeSetgid {
		t.Errorf("su: %v, %v; want setuid and setgid kept", fi.Mode(), err)
	}
}

func TestUnpackDest(t *testing.T) {
	ar := tarOf(t, m{name: "f", body: "x"})
	t.Run("empty directory is replaced", func(t *testing.T) {
		s := newSandbox(t)
		if err := os.Mkdir(s.dest, 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := Unpack(context.Background(), bytes.NewReader(ar), s.dest, Options{}); err != nil {
			t.Fatal(err)
		}
		s.assertOutsideUntouched(t, true)
	})
	for name, plant := range map[string]func(s sandbox) error{
		"not empty": func(s sandbox) error {
			return errors.Join(os.Mkdir(s.dest, 0o755), os.WriteFile(filepath.Join(s.dest, "mine"), nil, 0o644))
		},
		"symlink to a directory": func(s sandbox) error { return os.Symlink(s.outside, s.dest) },
		"symlink to nothing":     func(s sandbox) error { return os.Symlink(filepath.Join(s.outside, "new"), s.dest) },
	} {
		t.Run(name, func(t *testing.T) {
			s := newSandbox(t)
			if err := plant(s); err != nil {
				t.Fatal(err)
			}
			if _, err := Unpack(context.Background(), bytes.NewReader(ar), s.dest, Options{}); err == nil {
				t.Fatal("unpacked over it")
			}
			s.assertOutsideUntouched(t, true)
		})
	}
}

func TestUnpackLimits(t *testing.T) {
	for name, o := range map[string]Options{"bytes": {MaxBytes: 10}, "entries": {MaxEntries: 2}} {
		t.Run(name, func(t *testing.T) {
			s := newSandbox(t)
			ar := tarOf(t, m{name: "a", body: "123456"}, m{name: "b", body: "123456"}, m{name: "c"})
			if _, err := Unpack(context.Background(), bytes.NewReader(ar), s.dest, o); !errors.Is(err, ErrLimit) {
				t.Fatalf("err = %v, want ErrLimit", err)
			}
			s.assertOutsideUntouched(t, false)
		})
	}
}

// TestUnpackCancel: a source that never answers (stdin with a stalled
// writer) does not hold the unpacking past its context.
func TestUnpackCancel(t *testing.T) {
	s := newSandbox(t)
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() { _, _ = pw.Write(tarOf(t, m{name: "a", body: "x"})[:1024]) }()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Unpack(ctx, pr, s.dest, Options{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v after the context ended", d)
	}
	s.assertOutsideUntouched(t, false)
}

func TestUnpackWithoutOpenat2(t *testing.T) {
	noOpenat2.Store(true)
	defer noOpenat2.Store(false)
	s := newSandbox(t)
	ar := tarOf(t, m{name: "esc", typ: tar.TypeSymlink, link: s.outside}, m{name: "esc/x", body: "pwned"})
	if _, err := Unpack(context.Background(), bytes.NewReader(ar), s.dest, Options{}); err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Fatalf("err = %v, want a refusal naming the symlink", err)
	}
	s.assertOutsideUntouched(t, false)
	if _, err := Unpack(context.Background(), bytes.NewReader(tarOf(t, m{name: "a/b/c", body: "x"})), s.dest, Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestRegular(t *testing.T) {
	s := newSandbox(t)
	ar := tarOf(t,
		m{name: "Dockerfile", typ: tar.TypeSymlink, link: filepath.Join(s.outside, "shadow")},
		m{name: "d", typ: tar.TypeSymlink, link: s.outside},
		m{name: "ok/Dockerfile", body: "FROM scratch\n"},
		m{name: "dir/", typ: tar.TypeDir, mode: 0o755},
	)
	if _, err := Unpack(context.Background(), bytes.NewReader(ar), s.dest, Options{}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"Dockerfile": "symlink", "d/shadow": "symlink", "dir": "not a regular file", "../outside/shadow": "climbs out", "nope": "not exist", "ok/Dockerfile": ""} {
		err := Regular(s.dest, name)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("Regular(%q) = %v, want %q", name, err, want)
		}
	}
}
