package unpack

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"go.podman.io/storage/pkg/archive"
)

// benchTar is a context-like tree: 100 directories of 20 files of 32 KiB
// (64 MiB).
func benchTar(b *testing.B) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	body := bytes.Repeat([]byte("x"), 32<<10)
	for d := 0; d < 100; d++ {
		_ = tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("d%d/", d), Typeflag: tar.TypeDir, Mode: 0o755})
		for f := 0; f < 20; f++ {
			_ = tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("d%d/f%d", d, f), Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))})
			_, _ = tw.Write(body)
		}
	}
	_ = tw.Close()
	return buf.Bytes()
}

// BenchmarkUnpack compares the unpacker with storage's archive.Untar
// (what the stdin context and -o type=local used before) on one tree.
func BenchmarkUnpack(b *testing.B) {
	data := benchTar(b)
	b.Run("unpack", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			dest := filepath.Join(b.TempDir(), "dest")
			if _, err := Unpack(context.Background(), bytes.NewReader(data), dest, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("storage-untar", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			if err := archive.Untar(bytes.NewReader(data), b.TempDir(), &archive.TarOptions{NoLchown: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
