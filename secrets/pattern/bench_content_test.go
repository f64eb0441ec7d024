package pattern

import (
	"archive/tar"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// Plain bytes as layers hold them: a Go binary, a tar of a Python tree, a
// tar of node_modules and a tar of a Debian rootfs's /usr/lib and /etc,
// read from the machine (a kind whose source is missing is skipped). They
// hold no encoding of a secret, so the views should cost little: the
// scanner's target is 1 GB/s per core on them (docs/performance.md).
func contentData(tb testing.TB) []struct {
	name string
	data []byte
} {
	var out []struct {
		name string
		data []byte
	}
	add := func(name string, b []byte) {
		if len(b) > 0 {
			out = append(out, struct {
				name string
				data []byte
			}{name, b})
		}
	}
	if b, err := os.ReadFile("/usr/local/go/bin/go"); err == nil {
		add("gobinary", b)
	}
	add("python", tarTree(tb, 32<<20, "/usr/lib/python3", "/usr/lib/python3.11", "/root/.pyenv/versions/3.11.7/lib/python3.11"))
	add("nodemodules", tarTree(tb, 32<<20, "/usr/lib/node_modules", "/usr/share/nodejs"))
	add("rootfs", tarTree(tb, 48<<20, "/etc", "/usr/share/doc", "/usr/lib/x86_64-linux-gnu", "/usr/bin"))
	return out
}

// tarTree is a tar of the regular files under roots, as a layer holds
// them, up to max bytes.
func tarTree(tb testing.TB, max int, roots ...string) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, root := range roots {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || buf.Len() >= max {
				return fs.SkipDir
			}
			if !d.Type().IsRegular() {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			_ = tw.WriteHeader(&tar.Header{Name: p, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg})
			_, _ = tw.Write(b)
			return nil
		})
	}
	_ = tw.Close()
	if buf.Len() > max {
		return buf.Bytes()[:max]
	}
	return buf.Bytes()
}

// BenchmarkContent is a Stream's throughput on real plain bytes, views on
// and off.
func BenchmarkContent(b *testing.B) {
	set := NewSet(benchSecrets(b)...)
	for _, d := range contentData(b) {
		benchViewsOnOff(b, set, d.name, d.data)
	}
}

// TestContentClean streams the real plain bytes of BenchmarkContent (the
// machine's Go binary, Python tree, node_modules, Debian rootfs files)
// through the views with eight secrets of every kind: no match, and no
// incomplete scan (a false refusal either way).
func TestContentClean(t *testing.T) {
	if testing.Short() {
		t.Skip("reads ~100 MB of the machine's files")
	}
	set := NewSet(benchSecrets(t)...)
	for _, d := range contentData(t) {
		var got []Match
		st := set.NewStream(func(m Match) { got = append(got, m) })
		for p := d.data; len(p) > 0; {
			k := min(len(p), 64<<10)
			_, _ = st.Write(p[:k])
			p = p[k:]
		}
		if len(got) > 0 || st.Err() != nil {
			t.Errorf("%s (%d bytes): %d matches (first %v), err %v", d.name, len(d.data), len(got), got[:min(1, len(got))], st.Err())
		}
	}
}
