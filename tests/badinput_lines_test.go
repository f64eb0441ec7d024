package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadDockerfileOneLine: a bad Dockerfile or --platform fails with one
// short line naming the bad thing, and a huge instruction is never echoed
// whole. On main before the fix, an unknown instruction logged
// "(UNHANDLED LOGLEVEL)" and a Go struct, a dangling-symlink COPY printed
// a 3 KB struct, duplicate stage names and --platform / were accepted, and
// a 1 MiB RUN line was echoed (and quoted in the error) whole.
func TestBadDockerfileOneLine(t *testing.T) {
	tests := []struct {
		name, dockerfile string
		args             []string
		want             string
		code             int
	}{
		{"unknown instruction", "FROM localhost/busybox\nFOO bar\n", nil, `line 2: unknown instruction "FOO"`, 2},
		{"duplicate stage", "FROM localhost/busybox AS a\nRUN true\nFROM localhost/busybox AS A\n", nil, `stage name "a" is already used on line 1`, 2},
		{"platform slash", "FROM localhost/busybox\n", []string{"--platform", "/"}, "--platform", 2},
		{"dangling symlink COPY", "FROM localhost/busybox\nCOPY link /x\n", nil, "no such file or directory", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCanary(t)
			ctx := tempDir(t)
			writeFiles(t, ctx, map[string]string{"Dockerfile": tt.dockerfile})
			if err := os.Symlink("/nonexistent-hush-target", filepath.Join(ctx, "link")); err != nil {
				t.Fatal(err)
			}
			tag := tagFor(t, "")
			args := build(append(append([]string{"-q", "-t", tag, "--secret", "id=tok,env=HUSH_E2E_TOKEN"}, tt.args...), ctx)...)
			r := runHush(t, c, call{args: args, env: []string{"HUSH_E2E_TOKEN=" + c.value}})
			assertFailed(t, r, tt.code)
			assertOneLine(t, r.stderr, tt.want)
			if len(r.stderr) > 1100 || strings.Contains(r.stderr, "{") {
				t.Errorf("stderr is %d bytes or holds a Go value: %.300q", len(r.stderr), r.stderr)
			}
			assertClean(t, tag)
		})
	}
	t.Run("1 MiB RUN line", func(t *testing.T) {
		c := newCanary(t)
		ctx := tempDir(t)
		writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\nRUN true " + strings.Repeat("a", 1<<20) + "\n"})
		r := runHush(t, c, call{args: build("-t", tagFor(t, ""), "--secret", "id=tok,env=HUSH_E2E_TOKEN", ctx), env: []string{"HUSH_E2E_TOKEN=" + c.value}})
		for _, line := range strings.Split(r.stderr+r.stdout, "\n") {
			if len(line) > 1100 {
				t.Errorf("a line of %d bytes was printed: %.120q...", len(line), line)
			}
		}
	})
}
