package tests

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// TestContextArchiveOnStdin: `docker build - < ctx.tar.gz` is how CI jobs
// send a context they assembled elsewhere: the archive is the context,
// -f names a file inside it, and the unpacked copy does not outlive hush.
func TestContextArchiveOnStdin(t *testing.T) {
	c := newCanary(t)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{
		"build/app.Dockerfile": "FROM localhost/busybox\n" + printSum + "\nCOPY payload.txt /payload.txt\n",
		"payload.txt":          "from the archive\n",
	})
	for _, z := range []struct{ name, flag string }{{"tar", ""}, {"tar.gz", "z"}, {"tar.xz", "J"}} {
		t.Run(z.name, func(t *testing.T) {
			archive, err := exec.Command("tar", "-C", ctx, "-c"+z.flag+"f", "-", ".").Output()
			if err != nil {
				t.Fatal(err)
			}
			tag := tagFor(t, "")
			before := leftContexts(t)
			id, stderr := mustBuild(t, c, call{
				// --no-cache: each archive's build must run its steps.
				args:  build("--no-cache", "-t", tag, "-f", "build/app.Dockerfile", "--secret", "id=s,env=HUSH_E2E_TOKEN", "-"),
				env:   []string{"HUSH_E2E_TOKEN=" + c.value},
				stdin: string(archive),
			})
			wantLine(t, stderr, "sum:"+sum(c.value))
			img := checkImage(t, c, tag, id, "/run/secrets/s")
			if got := img.file(t, "/payload.txt"); got != "from the archive\n" {
				t.Errorf("/payload.txt = %q", got)
			}
			for _, d := range leftContexts(t) {
				if !strings.Contains(" "+strings.Join(before, " ")+" ", " "+d+" ") {
					t.Errorf("unpacked context left behind: %s", d)
				}
			}
		})
	}
	t.Run("not an archive", func(t *testing.T) {
		r := runHush(t, c, call{args: build("-f", "app.Dockerfile", "-"), stdin: "FROM localhost/busybox\n"})
		if r.code != 2 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "--file app.Dockerfile") {
			t.Errorf("exit %d, stderr %q: want 2 and one line naming --file", r.code, r.stderr)
		}
	})
}

// TestDockerfileFromStdinWithContext: `docker build -f - .` reads only the
// Dockerfile from stdin; COPY reads the context directory.
func TestDockerfileFromStdinWithContext(t *testing.T) {
	c := newCanary(t)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"payload.txt": "from the directory\n"})
	tag := tagFor(t, "")
	id, _ := mustBuild(t, c, call{
		args:  build("--no-cache", "-t", tag, "-f", "-", "--secret", "id=s,env=HUSH_E2E_TOKEN", ctx),
		env:   []string{"HUSH_E2E_TOKEN=" + c.value},
		stdin: "FROM localhost/busybox\n" + printSum + "\nCOPY payload.txt /payload.txt\n",
	})
	img := checkImage(t, c, tag, id, "/run/secrets/s")
	if got := img.file(t, "/payload.txt"); got != "from the directory\n" {
		t.Errorf("/payload.txt = %q", got)
	}
}

// leftContexts lists unpacked stdin contexts hush left in the places its
// temporary files go.
func leftContexts(t *testing.T) []string {
	t.Helper()
	out, _ := exec.Command("sh", "-c", "ls -d /tmp/hush-context-* /var/tmp/hush-context-* /dev/shm/hush-*/*/tmp/hush-context-* 2>/dev/null").Output()
	return strings.Fields(string(bytes.TrimSpace(out)))
}
