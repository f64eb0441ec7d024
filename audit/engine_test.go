package audit

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hushbuild/hush/secrets"
	"github.com/hushbuild/hush/secrets/archive"
	"github.com/hushbuild/hush/secrets/pattern"
)

// BenchmarkGuardLayer reads a 64 MiB layer of 4000 files the way the commit
// guard does now (Engine.Layer, no heuristics) and did before it used
// audit's engine (archive.ScanTar), so the cost of one scanner shows.
func BenchmarkGuardLayer(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	for i := range 4000 {
		body := make([]byte, 16<<10)
		for j := range body {
			body[j] = "abcdefghijklmnopqrstuvwxyz \n0123456789"[r.IntN(38)]
		}
		_ = tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("usr/lib/pkg%d/f%d.py", i%97, i), Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg, Uname: "root", Gname: "root"})
		_, _ = tw.Write(body)
	}
	_ = tw.Close()
	var secs []secrets.Secret
	for i := range 8 {
		secs = append(secs, secrets.New(fmt.Sprint("s", i), []byte(fmt.Sprintf("[global]\nindex-url = https://ci:benchpass%02d-8f3a1c@pypi.internal/simple\n", i))))
	}
	set := pattern.NewSet(secs...)
	data := layer.Bytes()
	b.Run("engine", func(b *testing.B) {
		eng := NewEngine(set, false)
		b.SetBytes(int64(len(data)))
		for range b.N {
			if _, err := eng.Layer(context.Background(), bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("scantar", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for range b.N {
			if err := archive.ScanTar(set, bytes.NewReader(data), func(archive.Finding) {}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
