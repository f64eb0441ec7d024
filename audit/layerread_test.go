package audit

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hushbuild/hush/audit/layertar"
	"github.com/hushbuild/hush/secrets"
	"github.com/hushbuild/hush/secrets/archive"
	"github.com/hushbuild/hush/secrets/pattern"
)

func layerOf(t testing.TB, names ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: 4, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write([]byte("data"))
	}
	_ = tw.Close()
	return b.Bytes()
}

// A member named absolute or climbing out makes the scan incomplete, named.
func TestLayerRefusesClimbingNames(t *testing.T) {
	eng := NewEngine(nil, true)
	for _, name := range []string{"/etc/x", "../x", "a/../../x", "/../../dev/zero"} {
		_, err := eng.Layer(context.Background(), bytes.NewReader(layerOf(t, "ok", name)))
		if !errors.Is(err, archive.ErrIncomplete) || !strings.Contains(err.Error(), "member ") {
			t.Errorf("%s: err = %v, want scan incomplete naming the member", name, err)
		}
	}
	if _, err := eng.Layer(context.Background(), bytes.NewReader(layerOf(t, "ok", "./etc/x", "a/../b"))); err != nil {
		t.Errorf("clean names: %v", err)
	}
}

// The member name in the error is redacted like every path audit shows.
func TestLayerRefusalRedacts(t *testing.T) {
	val := "hushcanary-" + strings.Repeat("q", 12)
	eng := NewEngine(pattern.NewSet(secrets.New("tok", []byte(val))), false)
	_, err := eng.Layer(context.Background(), bytes.NewReader(layerOf(t, "/"+val)))
	if err == nil || strings.Contains(err.Error(), val) {
		t.Errorf("err = %v, want a refusal without the value", err)
	}
}

// A sparse member of 1 TiB apparent size (written by GNU tar) runs out of
// the holes budget at once instead of being scanned as zeros.
func TestLayerSparseHoles(t *testing.T) {
	if _, err := exec.LookPath("tar"); err != nil {
		t.Skip("GNU tar is not installed")
	}
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "big"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("end"), 1<<40); err != nil {
		f.Close()
		t.Skipf("no 1 TiB sparse file here: %v", err)
	}
	f.Close()
	layer, err := exec.Command("tar", "--sparse", "--format=gnu", "-C", dir, "-cf", "-", "big").Output()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = NewEngine(nil, true).Layer(context.Background(), bytes.NewReader(layer))
	if !errors.Is(err, archive.ErrIncomplete) || !strings.Contains(err.Error(), "sparse holes") {
		t.Errorf("err = %v, want scan incomplete: sparse holes", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s", d)
	}
}

// slowZeros hands out zeros forever, a little at a time.
type slowZeros struct{}

func (slowZeros) Read(p []byte) (int, error) {
	time.Sleep(time.Millisecond)
	clear(p[:min(len(p), 4096)])
	return min(len(p), 4096), nil
}

// A member that never ends stops when ctx is cancelled, and when the
// layer's time is up.
func TestLayerCancelAndTime(t *testing.T) {
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	_ = tw.WriteHeader(&tar.Header{Name: "endless", Mode: 0o644, Size: 1 << 40, Typeflag: tar.TypeReg})
	src := func() io.Reader { return io.MultiReader(bytes.NewReader(hdr.Bytes()), slowZeros{}) }

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := NewEngine(nil, true).Layer(ctx, src()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled: err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancelled after %s", d)
	}

	eng := NewEngine(nil, true)
	eng.sc.limits = layertar.Limits{Time: 300 * time.Millisecond}
	if _, err := eng.Layer(context.Background(), src()); !errors.Is(err, archive.ErrIncomplete) || !strings.Contains(err.Error(), "still being read") {
		t.Errorf("out of time: err = %v", err)
	}
}

// FuzzLayer: any bytes as a layer end (no hang, no panic), and a scan that
// passes read no member whose name is refused.
func FuzzLayer(f *testing.F) {
	f.Add(layerOf(f, "ok", "etc/x"))
	f.Add(layerOf(f, "/../../dev/zero"))
	f.Add(layerOf(f, "a/../../x"))
	eng := NewEngine(pattern.NewSet(secrets.New("tok", []byte("hushcanary-fuzz-value"))), true)
	f.Fuzz(func(t *testing.T, b []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := eng.Layer(ctx, bytes.NewReader(b)); err != nil {
			return
		}
		tr := tar.NewReader(bytes.NewReader(b))
		for {
			h, err := tr.Next()
			if err != nil {
				return
			}
			if why := layertar.BadName(h.Name); why != "" {
				t.Fatalf("scan passed a layer whose member %q %s", h.Name, why)
			}
		}
	})
}
