package tests

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// contextBuild is a build of a fresh context: the Dockerfile, more files,
// hush flags (CONTEXT and -t are added) and environment for hush.
type contextBuild struct {
	dockerfile string
	files      map[string]string
	flags      []string
	env        []string
	dir        string // hush's working directory
	tag        string // default: one of the test's own (tagFor)
}

// buildIn writes the context, builds it under b.tag and returns the tag,
// the image id and hush's stderr.
func buildIn(t *testing.T, c *canary, b contextBuild) (string, string, string) {
	t.Helper()
	ctx := tempDir(t)
	files := map[string]string{"Dockerfile": b.dockerfile}
	for k, v := range b.files {
		files[k] = v
	}
	writeFiles(t, ctx, files)
	tag := b.tag
	if tag == "" {
		tag = tagFor(t, "")
	}
	// --no-cache in the default mode: the steps deliver and check the
	// secrets, so they must run; the same inputs built earlier would be a
	// stage cache hit. (--layers tests of buildah's cache keep it.)
	flags := append([]string{"-t", tag}, b.flags...)
	if !slices.Contains(b.flags, "--layers") {
		flags = append([]string{"--no-cache"}, flags...)
	}
	args := build(append(flags, ctx)...)
	id, stderr := mustBuild(t, c, call{args: args, env: b.env, dir: b.dir})
	return tag, id, stderr
}

// secretFile writes content to a 0600 file of the mode's user.
func secretFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(tempDir(t), name)
	writeFile(t, p, content, 0o600)
	return p
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// wantLine fails unless some line of out, trimmed, is want.
func wantLine(t *testing.T, out, want string) {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.TrimSpace(l) == want {
			return
		}
	}
	t.Errorf("no line %q in hush's output:\n%s", want, out)
}

// printSum is a RUN step that prints "sum:<sha256 of the file>": proof the
// step saw the right value, without printing it. The expected line is not
// in the Dockerfile's text, which hush echoes.
const printSum = `RUN --mount=type=secret,id=s sh -c 'echo "sum:$(sha256sum < /run/secrets/s | cut -d" " -f1)"'`

func TestSecretFromFile(t *testing.T) {
	c := newCanary(t)
	tag, id, stderr := buildIn(t, c, contextBuild{
		dockerfile: "FROM localhost/busybox\n" + printSum + "\nRUN echo built > /marker\n",
		flags:      []string{"--secret", "id=s,src=" + secretFile(t, "token", c.value)},
	})
	wantLine(t, stderr, "sum:"+sum(c.value))
	img := checkImage(t, c, tag, id, "/run/secrets/s")
	if got := img.file(t, "/marker"); got != "built\n" {
		t.Errorf("/marker = %q, want %q", got, "built\n")
	}
}

func TestSecretFromEnv(t *testing.T) {
	for _, spec := range []string{"id=s,env=HUSH_E2E_TOKEN", "id=s,type=env,src=HUSH_E2E_TOKEN"} {
		t.Run(spec, func(t *testing.T) {
			c := newCanary(t)
			tag, id, stderr := buildIn(t, c, contextBuild{
				dockerfile: "FROM localhost/busybox\n" + printSum + "\n",
				flags:      []string{"--secret", spec},
				env:        []string{"HUSH_E2E_TOKEN=" + c.value},
			})
			wantLine(t, stderr, "sum:"+sum(c.value))
			checkImage(t, c, tag, id, "/run/secrets/s")
		})
	}
}

func TestSecretTargetMode(t *testing.T) {
	c := newCanary(t)
	tag, id, stderr := buildIn(t, c, contextBuild{
		dockerfile: "FROM localhost/busybox\n" +
			`RUN --mount=type=secret,id=s,target=/etc/app/token,mode=0600 sh -c 'echo "perm:$(stat -c %a /etc/app/token)"; echo "sum:$(sha256sum < /etc/app/token | cut -d" " -f1)"'` + "\n",
		flags: []string{"--secret", "id=s,src=" + secretFile(t, "token", c.value)},
	})
	wantLine(t, stderr, "perm:600")
	wantLine(t, stderr, "sum:"+sum(c.value))
	checkImage(t, c, tag, id, "/etc/app/token", "/run/secrets/s")
}

func TestSecretAsEnv(t *testing.T) {
	c := newCanary(t)
	tag, id, stderr := buildIn(t, c, contextBuild{
		dockerfile: "FROM localhost/busybox\n" +
			`RUN --mount=type=secret,id=s,env=TOKEN sh -c 'echo "len:${#TOKEN}"; echo "sum:$(printf %s "$TOKEN" | sha256sum | cut -d" " -f1)"'` + "\n" +
			"RUN env > /env.txt\n",
		flags: []string{"--secret", "id=s,env=HUSH_E2E_TOKEN"},
		env:   []string{"HUSH_E2E_TOKEN=" + c.value},
	})
	wantLine(t, stderr, "len:"+strconv.Itoa(len(c.value)))
	wantLine(t, stderr, "sum:"+sum(c.value))
	img := checkImage(t, c, tag, id, "/run/secrets/s")
	if env := img.file(t, "/env.txt"); strings.Contains(env, "TOKEN=") {
		t.Errorf("a later RUN step still has TOKEN in its environment:\n%s", env)
	}
}

// TestSecretInjectedWithoutMount is the seed scenario: a Dockerfile that
// knows nothing of secrets reads pip.conf at pip's usual path.
func TestSecretInjectedWithoutMount(t *testing.T) {
	c := newCanary(t)
	conf := "[global]\nindex-url = https://ci:" + c.value + "@pypi.internal.example/simple\n"
	dir := filepath.Dir(secretFile(t, "pip.conf", conf))
	tag, id, stderr := buildIn(t, c, contextBuild{
		dockerfile: "FROM localhost/busybox\nRUN cat /root/.pip/pip.conf | wc -c\nRUN echo done > /marker\n",
		// A relative src=, resolved against hush's working directory.
		flags: []string{"--secret", "id=pip,src=pip.conf,target=/root/.pip/pip.conf"},
		dir:   dir,
	})
	wantLine(t, stderr, strconv.Itoa(len(conf)))
	img := checkImage(t, c, tag, id, "/root/.pip/pip.conf", "/run/secrets/pip")
	if got := img.file(t, "/marker"); got != "done\n" {
		t.Errorf("/marker = %q, want %q", got, "done\n")
	}
}

func TestSSHMount(t *testing.T) {
	c := newCanary(t)
	key := filepath.Join(tempDir(t), "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "hush-e2e", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	for _, f := range []string{key, key + ".pub"} {
		if err := os.Chown(f, suite.uid, suite.gid); err != nil {
			t.Fatal(err)
		}
	}
	pem, err := os.ReadFile(key)
	if err != nil {
		t.Fatal(err)
	}
	// The lines past the public part carry the private key.
	lines := strings.Split(strings.TrimSpace(string(pem)), "\n")
	for i := 3; i < len(lines)-1; i++ {
		c.also("private key line "+strconv.Itoa(i), lines[i])
	}
	tag, id, stderr := buildIn(t, c, contextBuild{
		dockerfile: "FROM localhost/busybox\n" +
			`RUN --mount=type=ssh sh -c 'echo "agent:$(test -S "$SSH_AUTH_SOCK" && echo socket || echo none)"'` + "\n",
		flags: []string{"--ssh", "default=" + key},
	})
	wantLine(t, stderr, "agent:socket")
	checkImage(t, c, tag, id)
}

func TestRequiredSecretMissing(t *testing.T) {
	c := newCanary(t)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\nRUN --mount=type=secret,id=nope,required=true true\n"})
	tag := tagFor(t, "")
	r := runHush(t, c, call{
		args: build("-q", "-t", tag, "--secret", "id=s,env=HUSH_E2E_TOKEN", ctx),
		env:  []string{"HUSH_E2E_TOKEN=" + c.value},
	})
	if r.code != 1 {
		t.Errorf("exit code = %d, want 1", r.code)
	}
	assertOneLine(t, r.stderr, "nope")
	assertClean(t, tag)
}

// assertOneLine checks a failure's stderr is one line starting "hush: "
// and naming what was wrong.
func assertOneLine(t *testing.T, stderr, names string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "hush: ") || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("stderr = %q, want exactly one line starting \"hush: \"", stderr)
	}
	if !strings.Contains(stderr, names) {
		t.Errorf("stderr = %q, want it to name %q", stderr, names)
	}
}
