package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// conformanceContext copies the case's context (or its one Dockerfile)
// into a fresh directory and returns it with the Dockerfile's name in it.
func conformanceContext(t *testing.T, c conformanceCase, trueBin string) (string, string) {
	t.Helper()
	ctxDir := filepath.Join(tempDir(t), "context")
	src := filepath.Join(conformanceDir, "testdata")
	switch {
	case c.ContextDir != "":
		src = filepath.Join(src, c.ContextDir)
	case c.Dockerfile != "":
		src = filepath.Join(src, c.Dockerfile)
	default:
		src = ""
	}
	if err := os.MkdirAll(ctxDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if src != "" {
		// cp -a keeps modes, symlinks and times, as the suite's copier does.
		target := ctxDir
		if c.ContextDir != "" {
			src += "/."
		}
		if out, err := exec.Command("cp", "-a", src, target).CombinedOutput(); err != nil {
			t.Fatalf("copying the context: %v\n%s", err, out)
		}
	}
	// Whole seconds, as the suite's copier leaves them: docker's context
	// tar and buildah's copier round a fraction differently.
	if err := filepath.Walk(ctxDir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		ts := []unix.Timespec{unix.NsecToTimespec(fi.ModTime().Truncate(time.Second).UnixNano())}
		ts = append(ts, ts[0])
		return unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW)
	}); err != nil {
		t.Fatal(err)
	}
	if tweak := conformanceTweaks[c.Name]; tweak != nil {
		tweak(t, ctxDir)
	}
	if strings.HasPrefix(c.ContextDir, "mount-targets") {
		if err := exec.Command("cp", trueBin, filepath.Join(ctxDir, "true")).Run(); err != nil {
			t.Fatal(err)
		}
	}
	dockerfile := "Dockerfile"
	if c.Dockerfile != "" {
		dockerfile = c.Dockerfile
	}
	if c.ContextDir == "" && c.Dockerfile != "" {
		dockerfile = filepath.Base(c.Dockerfile)
	}
	if c.DockerfileContents != "" {
		writeFile(t, filepath.Join(ctxDir, dockerfile), c.DockerfileContents, 0o644)
	}
	if c.Dockerignore != nil {
		writeFile(t, filepath.Join(ctxDir, ".dockerignore"), *c.Dockerignore, 0o644)
		if err := os.Chtimes(filepath.Join(ctxDir, ".dockerignore"), testDate, testDate); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{filepath.Join(ctxDir, dockerfile), ctxDir} {
		if err := os.Chtimes(p, testDate, testDate); err != nil {
			t.Fatal(err)
		}
	}
	return ctxDir, dockerfile
}

// loadConformanceBases puts the suite's localhost/busybox under the names
// the cases use, in hush's store and in docker's, once; the names docker
// did not have before are removed at the end.
func loadConformanceBases(t *testing.T) {
	t.Helper()
	// The suite's busybox and alpine have a daemon user, /etc/os-release
	// and /etc/nsswitch.conf, which some cases read.
	ctxDir := tempDir(t)
	writeFiles(t, ctxDir, map[string]string{"Dockerfile": "FROM localhost/busybox\n" +
		"RUN echo daemon:x:2:2:daemon:/sbin:/bin/false >> /etc/passwd && echo daemon:x:2: >> /etc/group && " +
		"echo ID=busybox > /etc/os-release && echo 'hosts: files dns' > /etc/nsswitch.conf\n"})
	base := "localhost/conformance-base:latest"
	mustBuild(t, nil, call{args: build("-t", base, ctxDir)})
	src := storeRef(suite.root, suite.runRoot, base)
	for _, name := range confBases {
		if _, err := skopeo(t, true, "copy", "-q", src, storeRef(suite.root, suite.runRoot, name)); err != nil {
			t.Fatal(err)
		}
	}
	archive := filepath.Join(tempDir(t), "base.tar")
	if _, err := skopeo(t, false, "copy", "-q", src, "docker-archive:"+archive+":"+confBases[0]); err != nil {
		t.Fatal(err)
	}
	for _, name := range confBases {
		if exec.Command("docker", "image", "inspect", name).Run() != nil {
			t.Cleanup(func() { _ = exec.Command("docker", "rmi", name).Run() })
		}
	}
	if out, err := exec.Command("docker", "load", "-q", "-i", archive).CombinedOutput(); err != nil {
		t.Fatalf("docker load: %v\n%s", err, out)
	}
	for _, name := range confBases[1:] {
		if out, err := exec.Command("docker", "tag", confBases[0], name).CombinedOutput(); err != nil {
			t.Fatalf("docker tag: %v\n%s", err, out)
		}
	}
}

// buildTrue builds the mount-targets cases' static /true (the suite's
// Makefile does it before the run).
func buildTrue(t *testing.T) string {
	t.Helper()
	out := filepath.Join(tempDir(t), "true")
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = "/usr/local/go/bin/go"
	}
	cmd := exec.Command(goBin, "build", "-o", out, filepath.Join(conformanceDir, "testdata", "mount-targets", "true.go"))
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GO111MODULE=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building mount-targets/true: %v\n%s", err, b)
	}
	return out
}
