package rundir

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// buildah writes a RUN step's OCI bundle (its config.json holds the values
// of env= and arg= secrets) and stages every layer it commits under
// TMPDIR, which it reads from the environment each time. TMPDIR is process
// state, so hush never changes it per build: it is pointed, once per
// process, at a private directory on tmpfs, <base>/<pid>-<start>/tmp
// (rundir.go), before the first build that carries a secret, and stays
// there. Every later build of the process, with or without secrets, uses
// it too; a crash leaves it for the next sweep.
//
// A process that only builds without secrets never sets it: buildah then
// stages layers where it always does (/var/tmp), which takes no memory,
// and RUN --mount=type=cache directories outlive the process.
//
// For programs that embed this package: Build sets TMPDIR on its first
// build with secrets, while other goroutines may be running; a program
// that reads TMPDIR itself, or starts builds concurrently, calls
// SetupTempDir once before starting any, and RemoveTempDir when it ends.
// A program's own temporary files then go to that tmpfs directory too.

var procTmp struct {
	once sync.Once
	dir  string
	err  error
}

// SetupTempDir points this process's TMPDIR at a private directory on
// tmpfs, once per process, and returns it; later calls return the same
// directory (or error). Build calls it before its first build with secrets.
func SetupTempDir() (string, error) {
	procTmp.once.Do(func() {
		pdir, _, err := ProcessDir()
		if err != nil {
			procTmp.err = err
			return
		}
		dir := filepath.Join(pdir, "tmp")
		if err := EnsurePrivateDir(dir); err != nil {
			procTmp.err = fmt.Errorf("temporary directory: %w", err)
			return
		}
		if err := os.Setenv("TMPDIR", dir); err != nil {
			procTmp.err = fmt.Errorf("setting TMPDIR: %w", err)
			return
		}
		procTmp.dir = dir
	})
	return procTmp.dir, procTmp.err
}

// RemoveTempDir removes this process's tmpfs directory (the TMPDIR
// SetupTempDir made, and what builds left), if a build or SetupTempDir made
// it; call it as the process ends, when no build is running. TMPDIR is
// left as is.
func RemoveTempDir() {
	if dir, ok := madeProcessDir.Load().(string); ok {
		_ = os.RemoveAll(dir)
	}
}

// SensitiveTempDir returns the process's tmpfs TMPDIR for a build that
// carries secrets, setting it up the first time, and refuses when TMPDIR
// no longer points there (the program changed it after hush set it).
func SensitiveTempDir() (string, error) {
	dir, err := SetupTempDir()
	if err != nil {
		return "", err
	}
	if got := os.Getenv("TMPDIR"); got != dir {
		return "", fmt.Errorf("TMPDIR was changed to %q after hush pointed it at %s; secrets would reach it", got, dir)
	}
	return dir, nil
}

// KillBuildSteps ends the RUN steps of one build that are running now: the
// runtime containers whose bundles (buildah<N> directories under TMPDIR,
// run as buildah-buildah<N>) belong to a container whose name carries the
// build's suffix, as the bundle's run/.containerenv says.
func KillBuildSteps(ctx context.Context, runtime, suffix string) {
	if runtime == "" {
		return
	}
	tmp := os.Getenv("TMPDIR")
	if tmp == "" {
		tmp = "/var/tmp"
	}
	entries, _ := os.ReadDir(tmp)
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "buildah") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(tmp, e.Name(), "run", ".containerenv"))
		if err != nil || !bundleOf(b, suffix) {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_ = exec.CommandContext(cctx, runtime, "delete", "--force", "buildah-"+e.Name()).Run()
		cancel()
	}
}

// bundleOf reports whether a .containerenv names a container of the build
// whose containers' names end in suffix (buildah may add -N after it).
func bundleOf(containerenv []byte, suffix string) bool {
	for _, line := range strings.Split(string(containerenv), "\n") {
		if name, ok := strings.CutPrefix(line, "name="); ok {
			name, err := strconv.Unquote(name)
			if err != nil {
				return false
			}
			i := strings.LastIndex(name, suffix)
			return i >= 0 && (i+len(suffix) == len(name) || name[i+len(suffix)] == '-')
		}
	}
	return false
}
