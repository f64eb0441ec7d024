package tests

import (
	"path/filepath"
	"testing"
)

// TestSecretFromCommand: --secret id=s,cmd=... takes what the command
// prints as the value (quoted whole when the command holds a comma, as
// BuildKit's CSV syntax has it), the image is clean, and a failing command
// stops the build as bad input, naming the id and the exit status and
// printing nothing the command wrote (the value went to its stderr too).
func TestSecretFromCommand(t *testing.T) {
	t.Run("ok", func(t *testing.T) {
		c := newCanary(t)
		dir := tempDir(t)
		p := filepath.Join(dir, "tok,en") // a comma: the field is quoted
		writeFile(t, p, c.value, 0o600)
		tag, id, stderr := buildIn(t, c, contextBuild{
			dockerfile: "FROM localhost/busybox\n" + printSum + "\n",
			flags:      []string{"--secret", `id=s,"cmd=cat '` + p + `'; echo noise >&2"`},
		})
		wantLine(t, stderr, "sum:"+sum(c.value))
		checkImage(t, c, tag, id, "/run/secrets/s")
	})
	t.Run("fails", func(t *testing.T) {
		c := newCanary(t)
		ctx := tempDir(t)
		p := secretFile(t, "token", c.value)
		writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\n" + printSum + "\n"})
		tag := tagFor(t, "")
		r := runHush(t, c, call{args: build("-q", "-t", tag, "--secret", "id=s,cmd=cat "+p+"; cat "+p+" >&2; exit 3", ctx)})
		assertFailed(t, r, 2)
		assertOneLine(t, r.stderr, `secret "s": command exited with status 3`)
		assertClean(t, tag)
	})
}
