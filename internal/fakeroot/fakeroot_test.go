package fakeroot

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.podman.io/storage/pkg/reexec"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// run starts sh -c script under o's fake root and returns its output.
func run(t *testing.T, o *Owners, dir, script string) string {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &out, &out
	stop, err := o.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	stop()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out.String())
	}
	return out.String()
}

// A step's chown (a dynamic coreutils one and a static busybox one) is
// recorded, not done; stat reports the record; the step is root to itself.
func TestChownRecorded(t *testing.T) {
	if err := Supported(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	o := New()
	script := `set -e
echo x > a; echo y > b; mkdir -p d/e; touch d/e/f; chmod 4755 a
chown 123:456 a
chown -R 7:8 d
ln -s a link; chown -h 9:9 link
mv a a2
id -u; id -g
stat -c '%u:%g %a' a2 d/e/f
`
	if _, err := os.Stat("/bin/busybox"); err == nil {
		script += "/bin/busybox chown 55:66 b\n/bin/busybox stat -c '%u:%g' b\n"
	}
	out := run(t, o, dir, script)
	want := "0\n0\n123:456 755\n7:8 644\n"
	if !strings.HasPrefix(out, want) {
		t.Errorf("step output %q; want it to begin %q", out, want)
	}
	if strings.Contains(script, "busybox") && !strings.HasSuffix(out, "55:66\n") {
		t.Errorf("static busybox: stat says %q, want 55:66", out)
	}
	for p, w := range map[string][2]uint32{"a2": {123, 456}, "d/e/f": {7, 8}, "d": {7, 8}, "link": {9, 9}} {
		uid, gid, err := o.OwnerOf(filepath.Join(dir, p))
		if err != nil || uid != w[0] || gid != w[1] {
			t.Errorf("%s: recorded %d:%d, %v; want %d:%d", p, uid, gid, err, w[0], w[1])
		}
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(dir, p), &st); err != nil || st.Uid != uint32(os.Geteuid()) {
			t.Errorf("%s: really owned by %d, %v: the chown was done, not recorded", p, st.Uid, err)
		}
	}
	// A new file at a freed inode inherits nothing.
	if uid, gid, _ := o.OwnerOf(dir); uid != 0 || gid != 0 {
		t.Errorf("unrecorded directory: %d:%d, want 0:0", uid, gid)
	}
}

// mknod of a device makes a placeholder recorded as the device.
func TestMknodRecorded(t *testing.T) {
	if err := Supported(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	o := New()
	out := run(t, o, dir, "mknod null c 1 3 && stat -c '%F %t:%T' null")
	if !strings.Contains(out, "character special file 1:3") {
		t.Errorf("stat of the made device: %q", out)
	}
	kind, rdev, ok := o.Device(filepath.Join(dir, "null"))
	if !ok || kind != unix.S_IFCHR || rdev != unix.Mkdev(1, 3) {
		t.Errorf("device record: %o %d %v", kind, rdev, ok)
	}
}

// /etc paths lead into the stage root; other processes' environ is closed.
func TestTranslateAndProcGuard(t *testing.T) {
	if err := Supported(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	o := New()
	o.Translate(dir)
	probe := "/etc/hush-fakeroot-probe-" + filepath.Base(dir)
	defer os.Remove(probe)
	out := run(t, o, dir, `set -e
echo hi > `+probe+`; mkdir /etc/sub; mv `+probe+` /etc/sub/f; cat /etc/sub/f; ln -s f /etc/sub/l; readlink /etc/sub/l
if cat /proc/1/environ >/dev/null 2>&1; then echo environ-open; else echo environ-closed; fi
test -r /proc/self/environ && echo self-ok`)
	if out != "hi\nf\nenviron-closed\nself-ok\n" {
		t.Errorf("step output %q", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "etc/sub/f")); err != nil {
		t.Errorf("the step's /etc file is not in the stage root: %v", err)
	}
	if _, err := os.Lstat(probe); err == nil {
		t.Errorf("%s was written to the real /etc", probe)
	}
}

// A step of a non-root USER sees that user's ids, and ClaimNew gives it
// what it made.
func TestStartAsUser(t *testing.T) {
	if err := Supported(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	o := New()
	if err := os.WriteFile(filepath.Join(dir, "old"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	since := time.Now().Add(-5 * time.Millisecond)
	var out bytes.Buffer
	cmd := exec.Command("/bin/sh", "-c", "id -u; id -g; touch new")
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &out, &out
	stop, err := o.StartAs(cmd, 55, 66)
	if err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	stop()
	if err != nil || out.String() != "55\n66\n" {
		t.Fatalf("step: %v, output %q; want 55 and 66", err, out.String())
	}
	if err := o.ClaimNew(dir, since, 55, 66); err != nil {
		t.Fatal(err)
	}
	if uid, gid, _ := o.OwnerOf(filepath.Join(dir, "new")); uid != 55 || gid != 66 {
		t.Errorf("new: %d:%d, want 55:66", uid, gid)
	}
	if uid, _, _ := o.OwnerOf(filepath.Join(dir, "old")); uid != 0 {
		t.Errorf("old, made before the step: claimed by %d", uid)
	}
}

// A step that drops root the way apt does (setgroups, setresgid,
// setresuid) then sees the ids it set, cannot go back to root, and its
// children inherit them; its parent stays root.
func TestSetidsKept(t *testing.T) {
	if err := Supported(); err != nil {
		t.Skip(err)
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 to drop privileges with")
	}
	script := `import os, subprocess
pid = os.fork()
if pid == 0:
    os.setgroups([65534]); os.setresgid(65534, 65534, 65534); os.setresuid(42, 42, 42)
    print(os.getuid(), os.geteuid(), os.getgid(), os.getegid(), os.getresuid())
    try:
        os.setuid(0); print("back to root")
    except PermissionError:
        print("EPERM")
    print(subprocess.run(["id", "-u"], capture_output=True, text=True).stdout.strip())
    os._exit(0)
os.waitpid(pid, 0)
os.seteuid(7); print(os.getuid(), os.geteuid()); os.seteuid(0); print(os.geteuid())
`
	out := run(t, New(), t.TempDir(), py+" -c '"+script+"'; id -u")
	want := "42 42 65534 65534 (42, 42, 42)\nEPERM\n42\n0 7\n0\n0\n"
	if out != want {
		t.Errorf("output %q, want %q", out, want)
	}
}

// A file made after a recorded one was removed or renamed over is root's,
// even where it gets the dead file's inode and the filesystem keeps no
// birth time to tell them apart (the record goes with the file).
func TestRecordGoesWithFile(t *testing.T) {
	if err := Supported(); err != nil {
		t.Skip(err)
	}
	script := `set -e
for i in 1 2 3 4 5 6 7 8; do
  touch a$i; chown 7:7 a$i; rm a$i; touch b$i
  echo x > c$i; chown 8:8 c$i; echo y > d$i; mv d$i c$i; touch e$i
done
stat -c %u:%g b* c* e* | sort -u
`
	if out := run(t, New(), t.TempDir(), script); out != "0:0\n" {
		t.Errorf("new files' owners %q, want only 0:0", out)
	}
}
