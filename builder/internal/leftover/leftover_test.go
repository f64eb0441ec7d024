package leftover

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRecordSweep(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	ctx := filepath.Join(tmp, "hush-context-1")
	other := filepath.Join(tmp, "not-listed")
	link := filepath.Join(tmp, "link")
	for _, p := range []string{ctx, other} {
		if err := os.MkdirAll(filepath.Join(p, "sub"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(other, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{ctx, link, filepath.Join(tmp, "never-made")} {
		if err := Record(dir, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := Record(dir, "relative"); err == nil {
		t.Error("recorded a relative path")
	}
	if n := Sweep(dir); n != 1 {
		t.Errorf("Sweep removed %d, want 1", n)
	}
	for p, want := range map[string]bool{ctx: false, other: true, link: true, filepath.Join(dir, File): false} {
		if _, err := os.Lstat(p); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", p, err == nil, want)
		}
	}
}

func TestParseMountinfo(t *testing.T) {
	line := `512 30 0:77 / /var/tmp/buildah-context-1/overlay/x/merge rw,relatime - overlay overlay rw,lowerdir=/tmp/hush\040context:/l2,upperdir=/u,workdir=/w`
	point, lowers, ok := parseMountinfo(line)
	if !ok || point != "/var/tmp/buildah-context-1/overlay/x/merge" || lowers != "/tmp/hush context:/l2" {
		t.Fatalf("got %q %q %v", point, lowers, ok)
	}
	if !lowerOf(lowers, "/tmp/hush context") || lowerOf(lowers, "/tmp/hush") {
		t.Error("lowerOf")
	}
	if s := scaffold(point); s != "/var/tmp/buildah-context-1" {
		t.Errorf("scaffold = %q", s)
	}
}
