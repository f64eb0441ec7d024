package cmode

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.podman.io/storage/pkg/archive"
	"golang.org/x/sys/unix"

	"github.com/hushbuild/hush/secrets"
)

func TestIgnoreList(t *testing.T) {
	mountinfo := strings.Join([]string{
		"22 1 0:21 / / rw,relatime - overlay overlay rw",
		"23 22 0:22 / /proc rw - proc proc rw",
		"24 22 8:1 /x /etc/hosts rw - ext4 /dev/sda1 rw",
		`25 22 8:1 /v /builds/my\040project rw - ext4 /dev/sda1 rw`,
	}, "\n")
	l := newIgnoreList(mountinfo, "/hush", "", "relative/path", "/")
	for _, tc := range []struct {
		path             string
		ignored, holding bool
	}{
		{"/", false, true},
		{"/proc", true, false},
		{"/proc/1/mem", true, false},
		{"/sys/fs", true, false},
		{"/dev/shm/x", true, false},
		{"/etc/mtab", true, false},
		{"/etc/hosts", true, false},
		{"/etc", false, true},
		{"/etc/hostsfile", false, false},
		{"/hush/bin/hush", true, false},
		{"/hushx", false, false},
		{"/builds/my project/src", true, false},
		{"/builds", false, true},
		{"/usr", false, false},
	} {
		if got := l.ignored(tc.path); got != tc.ignored {
			t.Errorf("ignored(%q) = %v, want %v", tc.path, got, tc.ignored)
		}
		if got := l.holds(tc.path); got != tc.holding {
			t.Errorf("holds(%q) = %v, want %v", tc.path, got, tc.holding)
		}
	}
}

func TestOwnDirOf(t *testing.T) {
	for exe, want := range map[string]string{
		"/hush/bin/hush":              "/hush",
		"/kaniko/executor":            "/kaniko",
		"/usr/local/bin/hush":         "/usr/local/bin/hush",
		"/usr/bin/hush":               "/usr/bin/hush",
		"/opt/hush/bin/hush":          "/opt/hush/bin",
		"/hush":                       "/hush",
		"/builds/ci/bin/hush/../hush": "/builds",
	} {
		if got := ownDirOf(exe); got != want {
			t.Errorf("ownDirOf(%s) = %s, want %s", exe, got, want)
		}
	}
}

func TestClearRootKeepsIgnored(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"/etc/passwd", "/etc/hosts", "/hush/bin/hush", "/usr/bin/sh", "/builds/p/src"} {
		write(t, root, f, "x")
	}
	l := newIgnoreList("", "/hush", "/etc/hosts", "/builds/p")
	if err := clearRoot(root, l); err != nil {
		t.Fatal(err)
	}
	got := tree(t, root)
	want := "/builds /builds/p /builds/p/src /etc /etc/hosts /hush /hush/bin /hush/bin/hush"
	if got != want {
		t.Fatalf("after clearRoot: %s\nwant %s", got, want)
	}
}

// TestSnapshotChanges changes a tree in every way a step can and checks the
// layer storage's archive code makes of the diff: new and changed content,
// whiteouts for deletions (one for a deleted directory, none for its
// children), hard links as links, nothing unchanged, nothing ignored.
func TestSnapshotChanges(t *testing.T) {
	root := t.TempDir()
	old := time.Now().Add(-time.Hour)
	for _, f := range []string{"/keep", "/modify", "/chmod", "/delete", "/dir/a", "/dir/b", "/gone/x", "/gone/y/z", "/ignored/f", "/link-target"} {
		write(t, root, f, "old")
		_ = os.Chtimes(filepath.Join(root, f), old, old)
	}
	must(t, os.Symlink("keep", filepath.Join(root, "sym")))
	l := newIgnoreList("", "/ignored")
	before, err := scanRoot(root, l)
	must(t, err)
	if _, ok := before["/ignored"]; ok {
		t.Fatal("an ignored path was scanned")
	}
	pastCtimeTick(t, t.TempDir())

	write(t, root, "/modify", "new")
	must(t, os.Chmod(filepath.Join(root, "chmod"), 0o600))
	must(t, os.Remove(filepath.Join(root, "delete")))
	must(t, os.Remove(filepath.Join(root, "dir/b")))
	must(t, os.RemoveAll(filepath.Join(root, "gone")))
	write(t, root, "/dir/new", "added")
	write(t, root, "/ignored/g", "secret-ish")
	must(t, os.Remove(filepath.Join(root, "sym")))
	must(t, os.Symlink("modify", filepath.Join(root, "sym")))
	must(t, os.Link(filepath.Join(root, "link-target"), filepath.Join(root, "hardlink")))

	after, err := scanRoot(root, l)
	must(t, err)
	ch := changes(before, after)
	entries := exportEntries(t, root, ch)

	want := map[string]string{
		"chmod":       "file",
		"delete":      "whiteout",
		"dir":         "dir",
		"dir/b":       "whiteout",
		"dir/new":     "file:added",
		"gone":        "whiteout",
		"hardlink":    "file:old",
		"link-target": "link:hardlink",
		"modify":      "file:new",
		"sym":         "symlink:modify",
	}
	for name, kind := range want {
		got, ok := entries[name]
		if !ok {
			t.Errorf("layer lacks %s (%s)", name, kind)
			continue
		}
		if !strings.HasPrefix(got, kind) {
			t.Errorf("layer entry %s = %s, want %s", name, got, kind)
		}
		delete(entries, name)
	}
	// The root directory entry may appear (its mtime changed); nothing else.
	delete(entries, "")
	for name, kind := range entries {
		t.Errorf("unexpected layer entry %s (%s)", name, kind)
	}
}

// TestExtractLayer applies a layer with whiteouts and an opaque directory
// over a tree, keeping ignored paths.
func TestExtractLayer(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"/etc/hosts", "/etc/old", "/opaque/a", "/opaque/mnt/keep", "/rm/x", "/file"} {
		write(t, root, f, "lower")
	}
	l := newIgnoreList("", "/etc/hosts", "/opaque/mnt")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(h *tar.Header, body string) {
		h.Size = int64(len(body))
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		must(t, tw.WriteHeader(h))
		_, err := tw.Write([]byte(body))
		must(t, err)
	}
	add(&tar.Header{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0o755}, "")
	add(&tar.Header{Name: "etc/hosts", Typeflag: tar.TypeReg}, "from image")
	add(&tar.Header{Name: "etc/.wh.old", Typeflag: tar.TypeReg}, "")
	add(&tar.Header{Name: "opaque/.wh..wh..opq", Typeflag: tar.TypeReg}, "")
	add(&tar.Header{Name: "opaque/b", Typeflag: tar.TypeReg}, "upper")
	add(&tar.Header{Name: ".wh.rm", Typeflag: tar.TypeReg}, "")
	add(&tar.Header{Name: "file", Typeflag: tar.TypeReg, Mode: 0o4755}, "upper")
	add(&tar.Header{Name: "hl", Typeflag: tar.TypeLink, Linkname: "file"}, "")
	add(&tar.Header{Name: "sl", Typeflag: tar.TypeSymlink, Linkname: "/file"}, "")
	add(&tar.Header{Name: "proc/x", Typeflag: tar.TypeReg}, "never")
	must(t, tw.Close())
	must(t, extractLayer(root, &buf, l))

	got := tree(t, root)
	want := "/etc /etc/hosts /file /hl /opaque /opaque/b /opaque/mnt /opaque/mnt/keep /sl"
	if got != want {
		t.Fatalf("tree: %s\nwant %s", got, want)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "etc/hosts")); string(b) != "lower" {
		t.Errorf("an ignored file was overwritten: %q", b)
	}
	fi, err := os.Stat(filepath.Join(root, "file"))
	must(t, err)
	if fi.Mode()&os.ModeSetuid == 0 || fi.Mode().Perm() != 0o755 {
		t.Errorf("file mode %v, want setuid 0755", fi.Mode())
	}
}

func TestParseRunMount(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want secretMount
		err  string
	}{
		{spec: "type=secret,id=pip", want: secretMount{id: "pip", target: "/run/secrets/pip", mode: 0o400}},
		{spec: "type=secret,id=npm,target=/root/.npmrc,mode=0600,uid=1000,gid=100,required=true",
			want: secretMount{id: "npm", target: "/root/.npmrc", mode: 0o600, uid: 1000, gid: 100, required: true}},
		{spec: "type=secret,id=tok,env=TOKEN", want: secretMount{id: "tok", env: "TOKEN", mode: 0o400}},
		{spec: "type=secret,target=/x/key", want: secretMount{id: "key", target: "/x/key", mode: 0o400}},
		{spec: "type=cache,target=/root/.cache", err: "type=cache"},
		{spec: "target=/src", err: "type=bind"},
		{spec: "type=secret,id=a,mode=9", err: "mode"},
	} {
		got, err := parseRunMount(tc.spec)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one naming %s", tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v; want %+v", tc.spec, got, err, tc.want)
		}
	}
}

// TestStepSecretsLeaveNothing places a secret at a target whose parents do
// not exist and over a file the image has, then removes it: the tree is
// as before, and the value never was under root.
func TestStepSecretsLeaveNothing(t *testing.T) {
	root, shm := t.TempDir(), t.TempDir()
	write(t, root, "/etc/pip.conf", "image's own")
	before := tree(t, root)
	values := map[string]secrets.Secret{"pip": secrets.New("pip", []byte("CANARY-value"))}
	var st stepSecrets
	for _, m := range []secretMount{
		{id: "pip", target: filepath.Join(root, "etc/pip.conf"), mode: 0o400},
		{id: "pip", target: filepath.Join(root, "new/dir/pip.conf"), mode: 0o400},
		{id: "pip", env: "PIP_TOKEN"},
	} {
		must(t, st.place(shm, m, values))
	}
	for _, p := range []string{"etc/pip.conf", "new/dir/pip.conf"} {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil || string(b) != "CANARY-value" {
			t.Fatalf("%s during the step: %q, %v", p, b, err)
		}
		fi, _ := os.Lstat(filepath.Join(root, p))
		if fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("%s is not a symlink to tmpfs", p)
		}
	}
	if len(st.env) != 1 || st.env[0] != "PIP_TOKEN=CANARY-value" {
		t.Fatalf("env: %d entries", len(st.env))
	}
	must(t, st.remove())
	if got := tree(t, root); got != before {
		t.Fatalf("after the step: %s\nwant %s", got, before)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "etc/pip.conf")); string(b) != "image's own" {
		t.Fatalf("the image's file was not restored: %q", b)
	}
	if left := tree(t, shm); left != "" {
		t.Fatalf("value files left on tmpfs: %s", left)
	}
	if err := (&stepSecrets{}).place(shm, secretMount{id: "nope", required: true, target: "/x"}, values); err == nil {
		t.Fatal("a missing required secret was accepted")
	}
}

func exportEntries(t *testing.T, root string, ch []archive.Change) map[string]string {
	t.Helper()
	rc, err := archive.ExportChanges(root, ch, nil, nil)
	must(t, err)
	defer rc.Close()
	out := map[string]string{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		must(t, err)
		name := strings.TrimSuffix(h.Name, "/")
		dir, base := filepath.Split(name)
		if w, ok := strings.CutPrefix(base, archive.WhiteoutPrefix); ok {
			out[filepath.Join(dir, w)] = "whiteout"
			continue
		}
		switch h.Typeflag {
		case tar.TypeDir:
			out[name] = "dir"
		case tar.TypeSymlink:
			out[name] = "symlink:" + h.Linkname
		case tar.TypeLink:
			out[name] = "link:" + h.Linkname
		default:
			b, _ := io.ReadAll(tr)
			out[name] = "file:" + string(b)
		}
	}
	return out
}

func write(t *testing.T, root, p, content string) {
	t.Helper()
	full := filepath.Join(root, p)
	must(t, os.MkdirAll(filepath.Dir(full), 0o755))
	must(t, os.WriteFile(full, []byte(content), 0o644))
}

func tree(t *testing.T, root string) string {
	t.Helper()
	var out []string
	must(t, filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if p != root {
			out = append(out, strings.TrimPrefix(p, root))
		}
		return nil
	}))
	sort.Strings(out)
	return strings.Join(out, " ")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestRemoveChanges: what a stage's steps wrote goes when the build ends,
// the base's files and directories stay.
func TestRemoveChanges(t *testing.T) {
	root := t.TempDir()
	old := time.Now().Add(-time.Hour)
	for _, f := range []string{"/etc/passwd", "/etc/os-release", "/usr/bin/sh", "/tmp/.keep"} {
		write(t, root, f, "base")
		_ = os.Chtimes(filepath.Join(root, f), old, old)
	}
	l := newIgnoreList("", "/hush")
	write(t, root, "/hush/bin/hush", "kept")
	before, err := scanRoot(root, l)
	must(t, err)
	skel, err := topLevel(root, l)
	must(t, err)
	pastCtimeTick(t, t.TempDir())
	write(t, root, "/etc/passwd", "CANARY modified")
	write(t, root, "/leak/deep/file", "CANARY added")
	write(t, root, "/usr/bin/tool", "CANARY added")
	must(t, os.RemoveAll(filepath.Join(root, "tmp")))
	bin := &trash{dir: filepath.Join(root, "hush", "staging")}
	must(t, os.MkdirAll(bin.dir, 0o700))
	must(t, removeChanges(root, l, before, skel, bin))
	bin.wait()
	if got, want := tree(t, root), "/etc /etc/os-release /hush /hush/bin /hush/bin/hush /hush/staging /tmp /usr /usr/bin /usr/bin/sh"; got != want {
		t.Fatalf("after removeChanges: %s\nwant %s", got, want)
	}
}

func TestRootIdentity(t *testing.T) {
	host := "29 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n30 29 0:5 / /dev rw - devtmpfs udev rw\n"
	ctr := "600 500 0:52 / / rw,relatime master:1 - overlay overlay rw,lowerdir=/l,upperdir=/var/lib/docker/overlay2/abc/diff,workdir=/w\n"
	if a, b := rootIdentityIn(host), rootIdentityIn(ctr); a == "" || b == "" || a == b {
		t.Fatalf("host %q and container %q roots must differ and be known", a, b)
	}
	if rootIdentityIn("30 29 0:5 / /dev rw - devtmpfs udev rw\n") != "" {
		t.Fatal("a mountinfo without / has no identity")
	}
}

// pastCtimeTick waits until the kernel's coarse clock, which stamps a
// file's change time, has ticked since now: a change made after it returns
// has a later ctime than anything scanned before.
func pastCtimeTick(t *testing.T, dir string) {
	t.Helper()
	probe := filepath.Join(dir, "ctime-probe")
	must(t, os.WriteFile(probe, nil, 0o600))
	ctime := func() unix.Timespec {
		var st unix.Stat_t
		must(t, unix.Stat(probe, &st))
		return st.Ctim
	}
	first := ctime()
	for deadline := time.Now().Add(5 * time.Second); ; {
		must(t, os.Chmod(probe, 0o600))
		if ctime() != first {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the change-time clock did not tick in 5 s")
		}
	}
}

// TestTrashClearRoot: clearing through the trash leaves what clearRoot
// leaves, and the moved entries are gone once wait returns.
func TestTrashClearRoot(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"/etc/passwd", "/etc/hosts", "/hush/bin/hush", "/usr/bin/sh", "/usr/lib/deep/x", "/builds/p/src"} {
		write(t, root, f, "x")
	}
	l := newIgnoreList("", "/hush", "/etc/hosts", "/builds/p")
	bin := &trash{dir: filepath.Join(root, "hush", "staging")}
	must(t, os.MkdirAll(bin.dir, 0o700))
	must(t, bin.clearRoot(root, l))
	bin.wait()
	want := "/builds /builds/p /builds/p/src /etc /etc/hosts /hush /hush/bin /hush/bin/hush /hush/staging"
	if got := tree(t, root); got != want {
		t.Fatalf("after trash.clearRoot: %s\nwant %s", got, want)
	}
}

// TestTrashKeep: a stage kept for COPY --from is the stage's tree, paths
// and owners kept, without the ignored paths; / is left as clearRoot
// leaves it.
func TestTrashKeep(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"/etc/passwd", "/etc/hosts", "/hush/bin/hush", "/out/lib/x.py", "/builds/p/src"} {
		write(t, root, f, "x")
	}
	must(t, os.Lchown(filepath.Join(root, "etc"), 1000, 1000))
	l := newIgnoreList("", "/hush", "/etc/hosts", "/builds/p")
	bin := &trash{dir: filepath.Join(root, "hush", "staging")}
	must(t, os.MkdirAll(bin.dir, 0o700))
	dir, err := bin.keep(root, l)
	must(t, err)
	if got, want := tree(t, dir), "/builds /etc /etc/passwd /out /out/lib /out/lib/x.py"; got != want {
		t.Errorf("kept stage: %s\nwant %s", got, want)
	}
	var st unix.Stat_t
	must(t, unix.Lstat(filepath.Join(dir, "etc"), &st))
	if st.Uid != 1000 {
		t.Errorf("kept /etc owned by %d, want 1000 (as in the stage)", st.Uid)
	}
	if got, want := tree(t, root), "/builds /builds/p /builds/p/src /etc /etc/hosts /hush /hush/bin /hush/bin/hush /hush/staging "+strings.TrimPrefix(dir, root)+" "; !strings.HasPrefix(got, want) {
		t.Errorf("root after keep: %s\nwant it to begin %s", got, want)
	}
	bin.drop(dir)
	bin.wait()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("kept stage still there after drop and wait: %v", err)
	}
}
