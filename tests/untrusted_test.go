package tests

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostFile is what the malicious archives below aim at: a file of the
// host's, beside the context, that no build may read or change.
const hostFile = "host file, not for the image\n"

// writer makes a context tar from a recipe with one real tool.
type writer struct {
	name string
	tool string // skip the writer when this is not installed
}

var tarWriters = []writer{{"gnutar", "tar"}, {"bsdtar", "bsdtar"}, {"python", "python3"}}

// TestContextArchiveHostile: `hush build -` with a context tar that tries
// to reach the host (symlinks then writes through them, a hard link to a
// host file, a Dockerfile that is a symlink, ../ names), each written by
// GNU tar, bsdtar and Python's tarfile. Each fails with one line naming the
// member or file, exit 2, the host untouched and no context left.
func TestContextArchiveHostile(t *testing.T) {
	cases := []struct {
		name string
		// script is a shell script run in an empty directory with $W (the
		// writer: gnutar, bsdtar or python), $V (the victim directory,
		// holding host) and $PY (a Python helper); it writes ctx.tar.
		script string
		want   string // stderr names this
	}{
		{"absolute symlink then a write through it", `
			mkdir a b b/esc && ln -s "$V" a/esc && echo pwned > b/esc/x && echo "FROM localhost/busybox" > b/Dockerfile
			case $W in
			gnutar) tar -cf ctx.tar -C a esc && tar -rf ctx.tar -C b Dockerfile esc/x ;;
			bsdtar) bsdtar -cf ctx.tar -C a esc && bsdtar -rf ctx.tar -C b Dockerfile esc/x ;;
			python) $PY "sym esc $V" "file Dockerfile" "file esc/x" ;;
			esac`, `"esc/x": path "esc" goes through a symlink`},
		{"relative symlink then a write through it", `
			up=../../../../../../../../../../..$V
			mkdir a b b/esc && ln -s "$up" a/esc && echo pwned > b/esc/x && echo "FROM localhost/busybox" > b/Dockerfile
			case $W in
			gnutar) tar -cf ctx.tar -C a esc && tar -rf ctx.tar -C b Dockerfile esc/x ;;
			bsdtar) bsdtar -cf ctx.tar -C a esc && bsdtar -rf ctx.tar -C b Dockerfile esc/x ;;
			python) $PY "sym esc $up" "file Dockerfile" "file esc/x" ;;
			esac`, `"esc/x": path "esc" goes through a symlink`},
		{"hard link to a host file", `
			mkdir a b b/esc && ln -s "$V" a/esc && echo "FROM localhost/busybox" > b/Dockerfile && echo decoy > b/esc/host && ln b/esc/host b/shadow
			case $W in
			gnutar) tar -cf ctx.tar -C a esc && tar -rf ctx.tar -C b Dockerfile esc/host shadow && tar --delete -f ctx.tar esc/host ;;
			bsdtar) $PY "sym esc $V" "file Dockerfile" "link shadow esc/host" ;;
			python) $PY "sym esc $V" "file Dockerfile" "link shadow esc/host" ;;
			esac`, `"shadow": hard link target`},
		{"hard link to a host file by absolute name", `
			mkdir b && echo "FROM localhost/busybox" > b/Dockerfile && ln "$V/host" b/shadow
			tar -cPf full.tar "$V/host" "$PWD/b/shadow" 2>/dev/null
			case $W in
			gnutar) cp full.tar ctx.tar && tar --delete -Pf ctx.tar "$V/host" && tar -rf ctx.tar -C b Dockerfile ;;
			bsdtar) bsdtar -cf ctx.tar --exclude "$V/host" @full.tar -C b Dockerfile ;;
			python) $PY "file Dockerfile" "link shadow $V/host" ;;
			esac`, `hard link target`},
		{"Dockerfile symlink", `
			mkdir b && ln -s "$V/Dockerfile.host" b/Dockerfile
			case $W in
			gnutar) tar -cf ctx.tar -C b . ;;
			bsdtar) bsdtar -cf ctx.tar -C b . ;;
			python) $PY "sym Dockerfile $V/Dockerfile.host" ;;
			esac`, "Dockerfile in the context archive: is a symlink"},
		{"dot-dot names", `
			mkdir -p b/c && echo "FROM localhost/busybox" > b/c/Dockerfile && echo pwned > b/x
			case $W in
			gnutar) (cd b/c && tar -cPf ../../ctx.tar Dockerfile ../x) ;;
			bsdtar) (cd b/c && bsdtar -cPf ../../ctx.tar Dockerfile ../x) ;;
			python) $PY "file Dockerfile" "file ../x" ;;
			esac`, `"../x": name climbs out`},
	}
	py := filepath.Join(tempDir(t), "mktar.py")
	if err := os.WriteFile(py, []byte(mktarPy), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, w := range tarWriters {
		if _, err := exec.LookPath(w.tool); err != nil {
			t.Errorf("%s is not installed (scripts/deps.sh installs it)", w.tool)
			continue
		}
		for _, tc := range cases {
			t.Run(w.name+"/"+tc.name, func(t *testing.T) {
				victim := tempDir(t)
				writeFiles(t, victim, map[string]string{"host": hostFile, "Dockerfile.host": "FROM localhost/busybox\nRUN echo HOST-DOCKERFILE-READ\n"})
				work := t.TempDir()
				sh := exec.Command("sh", "-euc", tc.script)
				sh.Dir = work
				sh.Env = append(os.Environ(), "W="+w.name, "V="+victim, "PY=python3 "+py)
				if out, err := sh.CombinedOutput(); err != nil {
					t.Fatalf("writing the archive: %v\n%s", err, out)
				}
				archive, err := os.ReadFile(filepath.Join(work, "ctx.tar"))
				if err != nil {
					t.Fatal(err)
				}
				tag := tagFor(t, "")
				before := leftContexts(t)
				r := runHush(t, nil, call{args: build("-t", tag, "-"), stdin: string(archive)})
				assertFailed(t, r, 2)
				assertOneLine(t, r.stderr, tc.want)
				if strings.Contains(r.stderr, "HOST-DOCKERFILE-READ") || strings.Contains(r.stdout, "HOST-DOCKERFILE-READ") {
					t.Errorf("the build read the host's Dockerfile through the archive's symlink")
				}
				ents, _ := os.ReadDir(victim)
				if len(ents) != 2 {
					t.Errorf("the victim directory holds %d entries, want its 2 (the archive wrote there)", len(ents))
				}
				if b, _ := os.ReadFile(filepath.Join(victim, "host")); string(b) != hostFile {
					t.Errorf("the host file changed")
				}
				assertNoNewContexts(t, before)
				assertClean(t, tag)
			})
		}
	}
}

// mktarPy writes ctx.tar from "file NAME", "sym NAME TARGET" and "link
// NAME TARGET" arguments, with Python's tarfile.
const mktarPy = `import io, sys, tarfile
with tarfile.open("ctx.tar", "w", format=tarfile.GNU_FORMAT) as t:
    for spec in sys.argv[1:]:
        kind, name, *rest = spec.split(" ", 2)
        ti = tarfile.TarInfo(name)
        if kind == "file":
            data = b"FROM localhost/busybox\n" if name.endswith("Dockerfile") else b"pwned\n"
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
            continue
        ti.type = tarfile.SYMTYPE if kind == "sym" else tarfile.LNKTYPE
        ti.linkname = rest[0]
        t.addfile(ti)
`

func assertNoNewContexts(t *testing.T, before []string) {
	t.Helper()
	was := " " + strings.Join(before, " ") + " "
	for _, d := range leftContexts(t) {
		if !strings.Contains(was, " "+d+" ") {
			t.Errorf("unpacked context left behind: %s", d)
		}
	}
	out, _ := exec.Command("sh", "-c", "ls -d /tmp/.hush-unpack-* /var/tmp/.hush-unpack-* 2>/dev/null").Output()
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Errorf("unpacker temporaries left behind: %s", s)
	}
}

// TestOutputLocalHostile: -o type=local writes an image's filesystem as
// hush's user, without device nodes, FIFOs or setuid bits (the tar output
// shows the image has them), keeps a relative symlink that climbs above /
// as a symlink, and -o type=tar never writes through a symlink planted at
// a name beside DEST.
func TestOutputLocalHostile(t *testing.T) {
	dir := tempDir(t)
	ctx := filepath.Join(dir, "ctx")
	// A step may not mknod; ADD of a tar holding a device node, as root,
	// puts one in the image. Rootless, no image can hold one.
	add := ""
	if _, err := mkdirOwned(ctx); err != nil {
		t.Fatal(err)
	}
	if suite.user == "" {
		writeDeviceTar(t, filepath.Join(ctx, "dev.tar"))
		add = "ADD dev.tar /\n"
	}
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\n" + add +
		"RUN mkfifo /fifo && echo x > /suid && chmod 6755 /suid && ln -s ../../../../../../etc/passwd /up && echo kept > /kept\n"})
	local, tarFile := filepath.Join(dir, "rootfs"), filepath.Join(dir, "rootfs.tar")
	// Planted at the name older hush wrote the tar under, and at a name
	// guessable from DEST: whoever planted them aims at victim.
	victim := filepath.Join(dir, "victim")
	writeFiles(t, dir, map[string]string{"victim": hostFile})
	for _, p := range []string{tarFile + ".hush-partial", local + ".hush-partial"} {
		if err := os.Symlink(victim, p); err != nil {
			t.Fatal(err)
		}
	}
	mustBuild(t, nil, call{args: build("-t", tagFor(t, ""), "-o", "type=local,dest="+local, "-o", "type=tar,dest="+tarFile, ctx)})

	if b, _ := os.ReadFile(victim); string(b) != hostFile {
		t.Errorf("-o type=tar wrote through the symlink planted beside DEST (victim now %d bytes)", len(b))
	}
	fi, err := os.Lstat(tarFile)
	if err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("-o type=tar: %s is %v, %v; want a regular file", tarFile, fi, err)
	}
	if l, err := os.Readlink(tarFile + ".hush-partial"); err != nil || l != victim {
		t.Errorf("the planted symlink was touched: %q, %v", l, err)
	}
	inTar := tarModes(t, tarFile)
	wantInImage := []string{"fifo", "suid"}
	if suite.user == "" {
		wantInImage = append(wantInImage, "devnode")
	}
	for _, name := range wantInImage {
		if _, ok := inTar[name]; !ok {
			t.Fatalf("the image has no /%s (tar output): the local checks below prove nothing", name)
		}
	}
	if inTar["suid"]&(04000|02000) == 0 {
		t.Fatalf("/suid is not setuid in the image (tar mode %o): the check below proves nothing", inTar["suid"])
	}

	if b, err := os.ReadFile(filepath.Join(local, "kept")); err != nil || string(b) != "kept\n" {
		t.Fatalf("-o type=local: /kept = %q, %v", b, err)
	}
	for _, name := range []string{"devnode", "fifo"} {
		if _, err := os.Lstat(filepath.Join(local, name)); !os.IsNotExist(err) {
			t.Errorf("-o type=local wrote /%s (%v)", name, err)
		}
	}
	if fi, err := os.Lstat(filepath.Join(local, "suid")); err != nil || fi.Mode()&(os.ModeSetuid|os.ModeSetgid) != 0 {
		t.Errorf("-o type=local /suid: %v, %v; want no setuid or setgid bit", fi.Mode(), err)
	} else if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != suite.uid {
		t.Errorf("-o type=local /suid owned by uid %d, want hush's user %d", st.Uid, suite.uid)
	}
	if l, err := os.Readlink(filepath.Join(local, "up")); err != nil || l != "../../../../../../etc/passwd" {
		t.Errorf("-o type=local /up -> %q, %v; want the image's relative symlink", l, err)
	}
	if b, _ := os.ReadFile(victim); string(b) != hostFile {
		t.Errorf("-o type=local wrote through the symlink planted beside DEST")
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".hush-") {
			t.Errorf("temporary left beside DEST: %s", e.Name())
		}
	}
}

// writeDeviceTar writes a tar holding /devnode, a character device (1,3),
// with Python's tarfile.
func writeDeviceTar(t *testing.T, p string) {
	t.Helper()
	py := "import tarfile, sys\nwith tarfile.open(sys.argv[1], 'w') as t:\n    ti = tarfile.TarInfo('devnode'); ti.type = tarfile.CHRTYPE; ti.devmajor, ti.devminor = 1, 3; t.addfile(ti)\n"
	if out, err := exec.Command("python3", "-c", py, p).CombinedOutput(); err != nil {
		t.Fatalf("writing a tar with a device node: %v\n%s", err, out)
	}
	if err := os.Chown(p, suite.uid, suite.gid); err != nil {
		t.Fatal(err)
	}
}

// tarModes maps a tar's member names (no leading ./ or /) to their modes.
func tarModes(t *testing.T, p string) map[string]int64 {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]int64{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("reading %s: %v", p, err)
		}
		out[strings.TrimPrefix(strings.TrimPrefix(h.Name, "./"), "/")] = h.Mode
	}
}

// TestKillStdinBuild: a SIGKILLed `hush build -` leaves its unpacked
// context (here a credentials file) and buildah's overlay over it; the
// next `hush prune` removes both.
func TestKillStdinBuild(t *testing.T) {
	src := tempDir(t)
	marker := "HUSH_E2E_CREDS_" + randHex(t, 8)
	writeFiles(t, src, map[string]string{
		"Dockerfile":  "FROM localhost/busybox\nRUN sh -c 'echo \"step is running: $((40+2))\"; sleep 300'\n",
		"credentials": marker + "\n",
	})
	archive, err := exec.Command("tar", "-C", src, "-cf", "-", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	cmd := command(context.Background(), nil, suite.hush, build("--no-cache", "-t", tagFor(t, ""), "-")...)
	cmd.Dir, cmd.Stdout, cmd.Stderr, cmd.Stdin = suite.dir, out, out, bytes.NewReader(archive)
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, p := range descendants(cmd.Process.Pid) {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = command(ctx, nil, suite.hush, "prune", "--root", suite.root, "--runroot", suite.runRoot).Run()
	})
	start := time.Now()
	for !strings.Contains(out.String(), "step is running: 42") {
		if time.Since(start) > 2*time.Minute {
			t.Fatalf("the step did not start:\n%s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	var ctxDirs []string
	for _, d := range leftContexts(t) {
		if b, err := os.ReadFile(filepath.Join(d, "credentials")); err == nil && strings.Contains(string(b), marker) {
			ctxDirs = append(ctxDirs, d)
		}
	}
	if len(ctxDirs) != 1 {
		t.Fatalf("found %d unpacked contexts holding the credentials, want 1: %v", len(ctxDirs), leftContexts(t))
	}
	hush := []int{cmd.Process.Pid}
	for _, p := range descendants(cmd.Process.Pid) {
		if isHush(p) {
			hush = append(hush, p)
		}
	}
	// As root, buildah's overlay over the context lives in the host's
	// mount table and outlives hush; rootless, it dies with hush's mount
	// namespace.
	mounted := mountsMention(ctxDirs[0])
	if suite.user == "" && !mounted {
		t.Fatalf("no mount over the context while the build runs: the mount check below proves nothing")
	}
	for _, p := range hush {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
	_ = cmd.Wait()
	if _, err := os.Stat(ctxDirs[0]); err != nil {
		t.Fatalf("the killed build's context is gone before any prune (%v): the check below proves nothing", err)
	}
	prune(t)
	if _, err := os.Lstat(ctxDirs[0]); !os.IsNotExist(err) {
		t.Errorf("the killed build's unpacked context %s is still there after hush prune (%v)", ctxDirs[0], err)
	}
	if mountsMention(ctxDirs[0]) {
		t.Errorf("a mount over the killed build's context is still there after hush prune")
	}
}

// mountsMention: some mount in this mount namespace is at, under or over
// (an overlay's lower directory) dir.
func mountsMention(dir string) bool {
	mi, err := os.ReadFile("/proc/self/mountinfo")
	return err == nil && strings.Contains(string(mi), dir)
}

// TestOutputLocalNotEmpty: -o type=local renames a complete tree onto
// DEST, so a DEST holding files is refused before the build, one line
// naming it, and its files are left alone.
func TestOutputLocalNotEmpty(t *testing.T) {
	dir := tempDir(t)
	ctx, local := filepath.Join(dir, "ctx"), filepath.Join(dir, "rootfs")
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\nRUN true\n"})
	writeFiles(t, local, map[string]string{"mine": "kept\n"})
	tag := tagFor(t, "")
	r := runHush(t, nil, call{args: build("-t", tag, "-o", "type=local,dest="+local, ctx)})
	assertFailed(t, r, 2)
	assertOneLine(t, r.stderr, local+" exists and is not empty")
	if b, _ := os.ReadFile(filepath.Join(local, "mine")); string(b) != "kept\n" {
		t.Errorf("DEST's own file changed")
	}
	assertClean(t, tag)
}
