package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Restricted isolation on a real Debian base (issue 22): apt-get installs
// from a local package source (no network: the base's own sources are
// removed first), one package's maintainer script adds a system user and
// chowns to it (uuid-runtime: adduser, chown uuidd), the real useradd -m
// makes a user and its home, and chown -R gives /app to it. Every path's
// type, owner and mode must be what root's build (container isolation)
// gives. The base and the packages come from scripts/debian-base.sh,
// cached across runs. The source sits under /srv, a name hush's image
// links into the stage root: apt's list is a symlink to it, which the
// kernel resolves in the container's own / (docs/container-isolation.md).
const debianDockerfile = `FROM {{REG}}/debian:bookworm
COPY repo/ /srv/repo/
RUN rm -f /etc/apt/sources.list /etc/apt/sources.list.d/* && echo 'deb [trusted=yes] file:/srv/repo ./' > /etc/apt/sources.list.d/local.list && apt-get update && apt-get install -y --no-install-recommends hello less uuid-runtime && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /srv/repo && hello && less --version && test "$(stat -c %U:%G /var/lib/libuuid)" = uuidd:uuidd && getent passwd uuidd
RUN useradd -m -u 1234 -s /bin/bash app && mkdir -p /app/sub && echo data > /app/sub/f && chown -R app:app /app && chmod 2775 /app/sub && test "$(stat -c %U:%G /app/sub/f /home/app)" = "$(printf 'app:app\napp:app')" && test "$(id -u)" = 0
USER app
RUN test "$(id -un)" = app && touch /home/app/made-by-app
`

var debianBase struct {
	sync.Once
	dir  string // repo/ and base.tar
	err  error
	root struct {
		sync.Once
		layers []map[string]string
		err    error
	}
}

// pushDebianBase makes (or finds cached) the Debian base and pushes it to
// reg as debian:bookworm, once per run.
func pushDebianBase(t *testing.T, reg string) string {
	t.Helper()
	debianBase.Do(func() {
		out, err := exec.Command(filepath.Join(suite.repo, "scripts", "debian-base.sh")).Output()
		if err != nil {
			debianBase.err = err
			if ee, ok := err.(*exec.ExitError); ok {
				debianBase.err = &scriptError{err, string(ee.Stderr)}
			}
			return
		}
		debianBase.dir = strings.TrimSpace(string(out))
		// skopeo's tarball transport: the minbase tar as the one layer.
		_, debianBase.err = skopeo(t, false, "copy", "-q", "--dest-tls-verify=false",
			"tarball:"+filepath.Join(debianBase.dir, "base.tar"), "docker://"+reg+"/debian:bookworm")
	})
	if debianBase.err != nil {
		t.Fatalf("the Debian base (scripts/debian-base.sh): %v", debianBase.err)
	}
	return debianBase.dir
}

type scriptError struct {
	err    error
	stderr string
}

func (e *scriptError) Error() string { return e.err.Error() + "\n" + e.stderr }

// assertDebianLikeRoot builds debianDockerfile as root (once) and in set-up
// s, and compares every path of the layers the builds made.
func assertDebianLikeRoot(t *testing.T, s dockerSetup, reg string) {
	t.Helper()
	base := pushDebianBase(t, reg)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": strings.ReplaceAll(debianDockerfile, "{{REG}}", reg)})
	repo := filepath.Join(ctx, "repo")
	if out, err := exec.Command("cp", "-r", filepath.Join(base, "repo"), repo).CombinedOutput(); err != nil {
		t.Fatalf("copying the package source: %v %s", err, out)
	}
	// Readable by the set-up's uid, as a CI checkout is.
	if out, err := exec.Command("chmod", "-R", "a+rX", ctx).CombinedOutput(); err != nil {
		t.Fatalf("chmod: %v %s", err, out)
	}
	if err := os.Chmod(filepath.Dir(ctx), 0o755); err != nil {
		t.Fatal(err)
	}
	r := &debianBase.root
	r.Do(func() { r.layers, r.err = buildOwnership(t, ctx, nil, reg+"/debian-root") })
	compareWithRoot(t, s, ctx, reg+"/debian-"+s.name, r.layers, r.err, 100)
}
