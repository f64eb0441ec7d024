package tests

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// flagsDockerfile uses every docker flag hush plumbs into one build: a named
// directory context and a named image context, /etc/hosts, the nofile limit,
// /dev/shm's size, and writes what it saw where the tests read it back.
const flagsDockerfile = `FROM base
COPY --from=extra /note /note
RUN --mount=type=secret,id=s sh -c 'test -s /run/secrets/s' \
 && grep -w ci-mirror.example /etc/hosts > /hosts \
 && ulimit -n > /nofile \
 && df -k /dev/shm | awk 'NR==2 {print $2}' > /shm
`

func TestDockerFlags(t *testing.T) {
	c := newCanary(t)
	dir := tempDir(t)
	extra := filepath.Join(dir, "extra")
	writeFiles(t, extra, map[string]string{"note": "from the extra context\n"})
	local := filepath.Join(dir, "rootfs")
	tarFile := filepath.Join(dir, "rootfs.tar")
	tag, _, _ := buildIn(t, c, contextBuild{
		dockerfile: flagsDockerfile,
		flags: []string{
			"--build-context", "extra=" + extra,
			"--build-context", "base=docker-image://localhost/busybox:latest",
			"--add-host", "ci-mirror.example:10.1.2.3",
			"--ulimit", "nofile=512:1024",
			"--shm-size", "16m",
			"--annotation", "org.opencontainers.image.source=https://example.com/hush-e2e",
			"--provenance=false",
			"-o", "type=local,dest=" + local,
			"-o", "type=tar,dest=" + tarFile,
			"--secret", "id=s,src=" + secretFile(t, "token", c.value),
		},
	})
	want := map[string]string{
		"note":   "from the extra context\n",
		"hosts":  "10.1.2.3\tci-mirror.example\n",
		"nofile": "512\n",
		"shm":    "16384\n",
	}

	t.Run("local output", func(t *testing.T) {
		for name, w := range want {
			b, err := os.ReadFile(filepath.Join(local, name))
			if err != nil {
				t.Errorf("-o type=local: %v", err)
				continue
			}
			if got := normalizeHosts(name, string(b)); got != w {
				t.Errorf("/%s = %q, want %q", name, got, w)
			}
		}
		fi, err := os.Stat(filepath.Join(local, "note"))
		if err == nil && int(fi.Sys().(*syscall.Stat_t).Uid) != suite.uid {
			t.Errorf("-o type=local wrote files owned by uid %d, want hush's user %d", fi.Sys().(*syscall.Stat_t).Uid, suite.uid)
		}
		if _, err := os.Stat(filepath.Join(local, "bin", "busybox")); err != nil {
			t.Errorf("-o type=local holds no /bin/busybox: %v", err)
		}
		assertTreeClean(t, c, local)
	})

	t.Run("tar output", func(t *testing.T) {
		files := readTar(t, tarFile)
		for name, w := range want {
			if got := normalizeHosts(name, files[name]); got != w {
				t.Errorf("tar: %s = %q, want %q", name, got, w)
			}
		}
		for name, body := range files {
			if form := c.find([]byte(name + "\x00" + body)); form != "" {
				t.Errorf("tar: %s holds the secret (%s)", name, form)
			}
		}
	})

	t.Run("annotation", func(t *testing.T) {
		out, err := skopeo(t, true, "inspect", "--raw", storeRef(suite.root, suite.runRoot, tag))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Annotations map[string]string `json:"annotations"`
		}
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatal(err)
		}
		if got := m.Annotations["org.opencontainers.image.source"]; got != "https://example.com/hush-e2e" {
			t.Errorf("manifest annotation = %q, want the --annotation value (manifest %s)", got, out)
		}
	})
}

// TestOutputFSAfterGuard: a build the guard refuses writes neither a local
// directory nor a tar.
func TestOutputFSAfterGuard(t *testing.T) {
	c := newCanary(t)
	dir := tempDir(t)
	ctx := filepath.Join(dir, "ctx")
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\nRUN --mount=type=secret,id=s cp /run/secrets/s /leak\n"})
	local, tarFile := filepath.Join(dir, "rootfs"), filepath.Join(dir, "rootfs.tar")
	r := runHush(t, c, call{args: build("-t", tagFor(t, ""), "-o", "type=local,dest="+local, "-o", "type=tar,dest="+tarFile,
		"--secret", "id=s,src="+secretFile(t, "token", c.value), ctx)})
	if r.code != 3 {
		t.Fatalf("exit %d, want 3 (guard)\n%s", r.code, r.stderr)
	}
	for _, p := range []string{local, tarFile, tarFile + ".hush-partial"} {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s exists after the guard refused the build", p)
		}
	}
}

// TestNoCacheFilter: with --layers, a stage named by --no-cache-filter runs
// again where the cache would otherwise have been used.
func TestNoCacheFilter(t *testing.T) {
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox AS app\nRUN echo " + randHex(t, 8) + " > /x\n"})
	tag := tagFor(t, "")
	mustBuild(t, nil, call{args: build("--layers", "-t", tag, ctx)})
	_, again := mustBuild(t, nil, call{args: build("--layers", "-t", tag, ctx)})
	if !strings.Contains(again, "Using cache") {
		t.Fatalf("the second --layers build used no cache; the test cannot tell a filter from none:\n%s", again)
	}
	_, filtered := mustBuild(t, nil, call{args: build("--layers", "--no-cache-filter", "app", "-t", tag, ctx)})
	if strings.Contains(filtered, "Using cache") {
		t.Errorf("--no-cache-filter app: the stage was taken from the cache:\n%s", filtered)
	}
}

// normalizeHosts keeps /etc/hosts' matching line comparable across
// separators (tab or spaces).
func normalizeHosts(name, s string) string {
	if name != "hosts" {
		return s
	}
	f := strings.Fields(s)
	if len(f) < 2 {
		return s
	}
	return f[0] + "\t" + strings.Join(f[1:], " ") + "\n"
}

// readTar returns the regular files of a tar by path without a leading
// "./" or "/".
func readTar(t *testing.T, p string) map[string]string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatalf("-o type=tar: %v", err)
	}
	defer f.Close()
	files := map[string]string{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("reading %s: %v", p, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[strings.TrimPrefix(strings.TrimPrefix(h.Name, "./"), "/")] = string(b)
	}
	if len(files) == 0 {
		t.Fatalf("%s holds no files", p)
	}
	return files
}

// assertTreeClean fails if any file name or regular file under dir holds
// the canary.
func assertTreeClean(t *testing.T, c *canary, dir string) {
	t.Helper()
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return nil
		}
		if form := c.find([]byte(p)); form != "" {
			t.Errorf("%s: name holds the secret (%s)", p, form)
		}
		if fi.Mode().IsRegular() {
			if b, err := os.ReadFile(p); err == nil {
				if form := c.find(b); form != "" {
					t.Errorf("%s holds the secret (%s)", p, form)
				}
			}
		}
		return nil
	})
}
