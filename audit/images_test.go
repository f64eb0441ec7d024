package audit

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hushbuild/hush/secrets"
	"github.com/hushbuild/hush/secrets/archive"
	"github.com/hushbuild/hush/secrets/pattern"
)

// ScanImages reads a layer shared by images once, gives its scan to every
// image holding it (also where another image vouched for it), skips a
// layer no image reads, and names a layer that failed by index and digest.
func TestScanImagesSharesLayers(t *testing.T) {
	val := "hushcanary-images-" + strings.Repeat("z", 10)
	eng := NewEngine(pattern.NewSet(secrets.New("tok", []byte(val))), false)
	var reads atomic.Int32
	read := func(name string) func(context.Context) (*LayerScan, error) {
		return func(ctx context.Context) (*LayerScan, error) {
			reads.Add(1)
			var b bytes.Buffer
			tw := tar.NewWriter(&b)
			_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(val)), Typeflag: tar.TypeReg})
			_, _ = tw.Write([]byte(val))
			_ = tw.Close()
			return eng.Layer(ctx, bytes.NewReader(b.Bytes()))
		}
	}
	shared := LayerJob{Ref: LayerRef{Digest: "sha256:" + strings.Repeat("a", 64)}, Read: read("app/token")}
	vouched := LayerJob{Ref: shared.Ref} // the same layer, vouched for in this image
	never := LayerJob{Ref: LayerRef{Digest: "sha256:" + strings.Repeat("b", 64)}}
	bad := LayerJob{Ref: LayerRef{Index: 1, Digest: "sha256:" + strings.Repeat("c", 64)}, Read: read("/../x")}
	res := eng.ScanImages(context.Background(), []ImageLayers{
		{Layers: []LayerJob{shared}},
		{Layers: []LayerJob{vouched, never}},
		{Layers: []LayerJob{never, bad}},
	}, 2, func(n int, _ int64) {
		if n != 2 {
			t.Errorf("started with %d layers, want 2", n)
		}
	})
	if n := reads.Load(); n != 2 {
		t.Errorf("%d reads, want 2 (the shared layer once, the bad one)", n)
	}
	for i := range 2 {
		if res[i].Err != nil || len(res[i].Findings) == 0 {
			t.Errorf("image %d: err %v, %d findings; want the shared layer's token", i, res[i].Err, len(res[i].Findings))
		}
	}
	if err := res[2].Err; !errors.Is(err, archive.ErrIncomplete) || !strings.Contains(err.Error(), "layer 1 (sha256:cccccccccccc)") {
		t.Errorf("image 2: err = %v, want scan incomplete naming layer 1", err)
	}
}
