package layertar

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.podman.io/storage"
	drivers "go.podman.io/storage/drivers"
	"go.podman.io/storage/pkg/reexec"

	"github.com/hushbuild/hush/secrets/archive"
)

// TestMain lets storage re-execute the test binary (it applies layers in a
// chroot).
func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

type entry struct {
	name, body, link string
	typ              byte
}

func tarOf(t *testing.T, ms ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, m := range ms {
		h := &tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.body)), Typeflag: m.typ, Linkname: m.link, Format: tar.FormatPAX}
		if m.typ == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag != tar.TypeReg {
			h.Size, h.Mode = 0, 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := tw.Write([]byte(m.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func newStore(t *testing.T) storage.Store {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for a storage root in t.TempDir()")
	}
	dir := t.TempDir()
	store, err := storage.GetStore(storage.StoreOptions{GraphRoot: dir + "/root", RunRoot: dir + "/run", GraphDriverName: "vfs"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = store.Shutdown(true) })
	return store
}

func readAll(t *testing.T, ctx context.Context, store storage.Store, id string) ([]byte, error) {
	t.Helper()
	rc, err := OpenStorage(ctx, store, id)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	done := make(chan struct{})
	var out []byte
	go func() { out, err = io.ReadAll(rc); close(done) }()
	select {
	case <-done:
		return out, err
	case <-time.After(20 * time.Second):
		t.Fatal("reading the layer did not end in 20s")
		return nil, nil
	}
}

// A well-formed layer reads back byte for byte as storage's own Diff gives it.
func TestOpenStorageMatchesDiff(t *testing.T) {
	store := newStore(t)
	layer := tarOf(t, entry{name: "etc/", typ: tar.TypeDir}, entry{name: "etc/a", body: "hello"},
		entry{name: "./etc/b", body: strings.Repeat("x", 70000)}, entry{name: "etc/l", link: "etc/a", typ: tar.TypeLink},
		entry{name: "etc/s", link: "/etc/a", typ: tar.TypeSymlink}, entry{name: "etc/empty"})
	l, _, err := store.PutLayer("", "", nil, "", false, nil, bytes.NewReader(layer))
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(t, context.Background(), store, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := store.Diff("", l.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("OpenStorage gave %d bytes, store.Diff %d: they differ", len(got), len(want))
	}
}

// A member named to climb out of the layer is refused before anything is
// opened: a FIFO at the host path it names would block the read forever,
// /dev/zero would never end, and a host file's bytes would be read.
func TestOpenStorageRefusesEscapingNames(t *testing.T) {
	store := newStore(t)
	host := t.TempDir()
	fifo := filepath.Join(host, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	canary := filepath.Join(host, "canary")
	if err := os.WriteFile(canary, []byte("hushcanary-host"), 0o600); err != nil {
		t.Fatal(err)
	}
	up := strings.Repeat("../", 40)
	for _, target := range []string{fifo, "/dev/zero", canary} {
		t.Run(filepath.Base(target), func(t *testing.T) {
			name := "/" + up + strings.TrimPrefix(target, "/")
			layer := tarOf(t, entry{name: "ok", body: "fine"}, entry{name: name, body: "hushcanary-xxxx"})
			l, _, err := store.PutLayer("", "", nil, "", false, nil, bytes.NewReader(layer))
			if err != nil {
				t.Skipf("storage would not apply the layer: %v", err)
			}
			out, err := readAll(t, context.Background(), store, l.ID)
			if !errors.Is(err, archive.ErrIncomplete) || !strings.Contains(err.Error(), "absolute name") {
				t.Fatalf("err = %v, want scan incomplete naming the member", err)
			}
			if bytes.Contains(out, []byte("hushcanary-host")) {
				t.Error("the host file's bytes are in the stream")
			}
		})
	}
}

// A member whose path goes through a symlink the layer made (or a FIFO in
// the layer's directory) is not followed out of the layer.
func TestOpenStorageStaysBeneath(t *testing.T) {
	store := newStore(t)
	host := t.TempDir()
	if err := os.WriteFile(filepath.Join(host, "x"), []byte("hushcanary-host"), 0o600); err != nil {
		t.Fatal(err)
	}
	layer := tarOf(t, entry{name: "d/", typ: tar.TypeDir}, entry{name: "d/x", body: "inside-layer-xx"})
	l, _, err := store.PutLayer("", "", nil, "", false, nil, bytes.NewReader(layer))
	if err != nil {
		t.Fatal(err)
	}
	// What a symlink planted in the layer's directory would do: replace
	// d with a link to the host directory.
	driver, err := store.GraphDriver()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := driver.Get(l.ID, drivers.MountOpts{})
	if err != nil {
		t.Fatal(err)
	}
	defer driver.Put(l.ID)
	if err := os.RemoveAll(filepath.Join(dir, "d")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(host, filepath.Join(dir, "d")); err != nil {
		t.Fatal(err)
	}
	out, err := readAll(t, context.Background(), store, l.ID)
	if !errors.Is(err, archive.ErrIncomplete) {
		t.Fatalf("err = %v, want scan incomplete", err)
	}
	if bytes.Contains(out, []byte("hushcanary-host")) {
		t.Error("the host file's bytes are in the stream")
	}
	// A FIFO where the member's file was.
	if err := os.Remove(filepath.Join(dir, "d")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "d", "x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(t, context.Background(), store, l.ID); !errors.Is(err, archive.ErrIncomplete) || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("err = %v, want scan incomplete: not a regular file", err)
	}
}

// A cancelled context stops the read at its next Read.
func TestOpenStorageCancels(t *testing.T) {
	store := newStore(t)
	layer := tarOf(t, entry{name: "big", body: strings.Repeat("y", 1<<20)})
	l, _, err := store.PutLayer("", "", nil, "", false, nil, bytes.NewReader(layer))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rc, err := OpenStorage(ctx, store, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	buf := make([]byte, 4096)
	if _, err := rc.Read(buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.ReadAll(rc); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// BenchmarkRead compares the layer reader with store.Diff, which rebuilds
// the same tar through storage's file getter: a 64 MiB layer of 64 files.
func BenchmarkRead(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root for a storage root in b.TempDir()")
	}
	dir := b.TempDir()
	store, err := storage.GetStore(storage.StoreOptions{GraphRoot: dir + "/root", RunRoot: dir + "/run", GraphDriverName: "vfs"})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _, _ = store.Shutdown(true) }()
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	body := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	for i := range 64 {
		_ = tw.WriteHeader(&tar.Header{Name: "f" + strconv.Itoa(i), Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		_, _ = tw.Write(body)
	}
	_ = tw.Close()
	l, _, err := store.PutLayer("", "", nil, "", false, nil, bytes.NewReader(layer.Bytes()))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		open func() (io.ReadCloser, error)
	}{
		{"layertar", func() (io.ReadCloser, error) { return OpenStorage(context.Background(), store, l.ID) }},
		{"store.Diff", func() (io.ReadCloser, error) { return store.Diff("", l.ID, nil) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 256<<10)
			b.SetBytes(int64(layer.Len()))
			for b.Loop() {
				rc, err := c.open()
				if err != nil {
					b.Fatal(err)
				}
				// As the scanner reads: 256 KiB at a time.
				for {
					_, err := rc.Read(buf)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				rc.Close()
			}
		})
	}
}

// A layer storage keeps no tar-split metadata for is read through the
// driver's diff of its files.
func TestOpenStorageWithoutTarSplit(t *testing.T) {
	store := newStore(t)
	l, _, err := store.PutLayer("", "", nil, "", false, nil, bytes.NewReader(tarOf(t, entry{name: "etc/a", body: "hello"})))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(store.GraphRoot(), "vfs-layers", l.ID+".tar-split.gz")); err != nil {
		t.Fatal(err)
	}
	out, err := readAll(t, context.Background(), store, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(bytes.NewReader(out))
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("no etc/a in the driver's diff: %v", err)
		}
		if strings.TrimPrefix(h.Name, "/") == "etc/a" {
			if b, _ := io.ReadAll(tr); string(b) != "hello" {
				t.Errorf("etc/a = %q", b)
			}
			return
		}
	}
}
