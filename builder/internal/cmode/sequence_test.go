package cmode

import (
	"archive/tar"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// baseLayer is a small base image's layer: top-level directories where
// hush's image has links.
func baseLayer(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range []*tar.Header{
		{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "bin/sh", Typeflag: tar.TypeReg, Mode: 0o755, Size: 4},
		{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "etc/passwd", Typeflag: tar.TypeReg, Mode: 0o644, Size: 4},
		{Name: "root/", Typeflag: tar.TypeDir, Mode: 0o700},
		{Name: "tmp/", Typeflag: tar.TypeDir, Mode: 0o1777},
	} {
		h.ModTime = time.Unix(1700000000, 0)
		h.Uid, h.Gid = os.Geteuid(), os.Getegid()
		must(t, tw.WriteHeader(h))
		if h.Size > 0 {
			_, err := tw.Write([]byte("base"))
			must(t, err)
		}
	}
	must(t, tw.Close())
	return buf.Bytes()
}

// linkedRoot is a stage root shaped like hush's image (scripts/image.sh):
// its top-level names are links into /hush/root, and /hush is hush's own.
// The image's files are an overlay's lower layer, as in a container, with
// fuse-overlayfs (the Docker engine's driver where the kernel's overlay is
// not available to it), whose rename of a directory made over a deleted
// lower entry leaves no whiteout: the image's link shows again.
func linkedRoot(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("fuse-overlayfs"); err != nil {
		t.Skip("no fuse-overlayfs (scripts/deps.sh installs it)")
	}
	d := t.TempDir()
	lower, upper, work, root := filepath.Join(d, "lower"), filepath.Join(d, "upper"), filepath.Join(d, "work"), filepath.Join(d, "root")
	for _, p := range []string{lower + "/hush/root/root", upper, work, root} {
		must(t, os.MkdirAll(p, 0o755))
	}
	for _, n := range []string{"bin", "etc", "root", "tmp", "usr"} {
		must(t, os.Symlink("/hush/root/"+n, filepath.Join(lower, n)))
	}
	out, err := exec.Command("fuse-overlayfs", "-o", "lowerdir="+lower+",upperdir="+upper+",workdir="+work, root).CombinedOutput()
	if err != nil {
		t.Skipf("cannot mount fuse-overlayfs here: %v %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if exec.Command("fusermount3", "-u", root).Run() != nil {
			_ = exec.Command("umount", root).Run()
		}
	})
	must(t, os.MkdirAll(filepath.Join(root, "hush", "staging"), 0o700))
	return root
}

// build runs what Run does to / for one single-stage build: clear, extract
// the base, a step's write, and the end-of-build cleanup, background
// deletion included.
func build(t *testing.T, root string, l *ignoreList, layer []byte) {
	t.Helper()
	skel, err := topLevel(root, l)
	must(t, err)
	bin := &trash{dir: filepath.Join(root, "hush", "staging")}
	defer bin.wait()
	must(t, bin.clearRoot(root, l))
	if err := extractLayer(root, bytes.NewReader(layer), l); err != nil {
		t.Fatalf("extracting the base: %v", err)
	}
	for _, d := range []string{"/bin", "/etc", "/root", "/tmp"} {
		if fi, err := os.Lstat(filepath.Join(root, d)); err != nil || !fi.IsDir() {
			t.Fatalf("after extracting the base, %s is not the base's directory (%v)", d, err)
		}
	}
	before, err := scanRoot(root, l)
	must(t, err)
	pastCtimeTick(t, filepath.Join(root, "hush"))
	write(t, root, "/root/.pip/pip.conf", "CANARY")
	must(t, removeChanges(root, l, before, skel, bin))
}

// TestSecondBuildOverImageLinks: two builds one after the other in one
// container whose top-level names are links (hush's image): the second
// build's clear and extraction must not meet the image's links again.
func TestSecondBuildOverImageLinks(t *testing.T) {
	root := linkedRoot(t)
	l := newIgnoreList("", "/hush")
	layer := baseLayer(t)
	build(t, root, l, layer)
	if _, err := os.Stat(filepath.Join(root, "root", ".pip")); err == nil {
		t.Fatal("the step's /root/.pip outlived the first build")
	}
	build(t, root, l, layer)
	// And a clear leaves nothing of the stage, not even the image's links
	// (but /etc, which holds the always ignored /etc/mtab).
	bin := &trash{dir: filepath.Join(root, "hush", "staging")}
	must(t, bin.clearRoot(root, l))
	bin.wait()
	entries, err := os.ReadDir(root)
	must(t, err)
	var top []string
	for _, e := range entries {
		top = append(top, e.Name())
	}
	etc, err := os.ReadDir(filepath.Join(root, "etc"))
	must(t, err)
	if got := strings.Join(top, " "); got != "etc hush" || len(etc) != 0 {
		t.Errorf("after clearing, / has %s (want etc hush), /etc %d entries", got, len(etc))
	}
}

// TestExtractDirOverLink: a layer's directory replaces a link in its way
// (a top-level link of the container, a base's earlier layer's link).
func TestExtractDirOverLink(t *testing.T) {
	root := t.TempDir()
	must(t, os.Symlink("/hush/root/root", filepath.Join(root, "root")))
	must(t, os.Symlink("/hush/root/tmp", filepath.Join(root, "tmp")))
	if err := extractLayer(root, bytes.NewReader(baseLayer(t)), newIgnoreList("")); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"root", "tmp"} {
		if fi, err := os.Lstat(filepath.Join(root, d)); err != nil || !fi.IsDir() {
			t.Errorf("/%s is not a directory after extraction (%v)", d, err)
		}
	}
}
