package tests

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInput: each build fails, with one line on stderr naming the bad
// thing, no secret in the output, no container left in the store and
// nothing under the tag it asked for. Every case also carries a valid
// secret, so a careless error path would have a value to leak.
func TestBadInput(t *testing.T) {
	const okDockerfile = "FROM localhost/busybox\nRUN true\n"
	tests := []struct {
		name       string
		dockerfile string
		// args are the build flags after the suite's storage, -q, -t and
		// the canary secret; ctx is the context directory, tmp a scratch
		// directory that is also hush's working directory.
		args func(ctx, tmp string) []string
		want string // stderr names this
		code int    // exit code; 0 means any failure but the guard's
	}{
		{"missing secret file", okDockerfile,
			func(ctx, tmp string) []string {
				return []string{"--secret", "id=pip,src=" + filepath.Join(tmp, "nope.conf"), ctx}
			}, "nope.conf", 2},
		{"malformed secret", okDockerfile,
			func(ctx, _ string) []string { return []string{"--secret", "id=a,bogus=1", ctx} }, "bogus", 2},
		{"unknown mount option", "FROM localhost/busybox\nRUN --mount=type=secret,id=tok,bogus=1 true\n",
			func(ctx, _ string) []string { return []string{ctx} }, "bogus", 0},
		{"missing context", okDockerfile,
			func(_, tmp string) []string { return []string{filepath.Join(tmp, "no-such-context")} }, "no-such-context", 2},
		{"missing Dockerfile", okDockerfile,
			func(ctx, _ string) []string { return []string{"-f", "nope", ctx} }, "nope", 2},
		{"base image not found", "FROM localhost/does-not-exist:1\nRUN true\n",
			func(ctx, _ string) []string { return []string{ctx} }, "localhost/does-not-exist", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCanary(t)
			ctx, tmp := tempDir(t), tempDir(t)
			writeFiles(t, ctx, map[string]string{"Dockerfile": tt.dockerfile})
			tag := tagFor(t, "")
			args := build(append([]string{"-q", "-t", tag, "--secret", "id=tok,env=HUSH_E2E_TOKEN"}, tt.args(ctx, tmp)...)...)
			r := runHush(t, c, call{args: args, env: []string{"HUSH_E2E_TOKEN=" + c.value}, dir: tmp})
			assertFailed(t, r, tt.code)
			assertOneLine(t, r.stderr, tt.want)
			assertClean(t, tag)
		})
	}
}

// TestUnwritableRoot points --root where nothing can be created.
func TestUnwritableRoot(t *testing.T) {
	c := newCanary(t)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\nRUN true\n"})
	tag := tagFor(t, "")
	r := runHush(t, c, call{
		args: []string{"build", "-q", "--root", "/proc/hush-nope", "--runroot", tempDir(t), "-t", tag, "--secret", "id=tok,env=HUSH_E2E_TOKEN", ctx},
		env:  []string{"HUSH_E2E_TOKEN=" + c.value},
	})
	assertFailed(t, r, 0)
	assertOneLine(t, r.stderr, "/proc/hush-nope")
	assertClean(t, tag)
}

// TestRunFails: a failing step fails the build with exit 1 and takes its
// container with it.
func TestRunFails(t *testing.T) {
	failedStep(t, "FROM localhost/busybox\nRUN --mount=type=secret,id=tok true\nRUN false\n", "RUN false")
}

// failedStep builds dockerfile, with the canary as secret tok, and checks
// that a step failed it: exit 1 (not the guard's 3, whatever the step's own
// status), no image id, a last line "hush: ..." that holds naming, nothing
// tagged. runHush checks that no container and no canary is left.
func failedStep(t *testing.T, dockerfile, naming string) result {
	t.Helper()
	c := newCanary(t)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": dockerfile})
	tag := tagFor(t, "")
	r := runHush(t, c, call{
		args: build("-t", tag, "--secret", "id=tok,env=HUSH_E2E_TOKEN", ctx),
		env:  []string{"HUSH_E2E_TOKEN=" + c.value},
	})
	if r.code != 1 {
		t.Errorf("exit code = %d, want 1 (a RUN step failed; 3 means the guard refused)\nstderr:\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "hush: ") || !strings.Contains(last, naming) {
		t.Errorf("last stderr line = %q, want \"hush: ...\" naming %q", last, naming)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing (no image id) from a failed build", r.stdout)
	}
	assertClean(t, tag)
	return r
}

// assertFailed checks the exit code: want, or when want is 0 any failure
// that is not the commit guard's (3: there was no secret in any image).
func assertFailed(t *testing.T, r result, want int) {
	t.Helper()
	switch {
	case want != 0 && r.code != want:
		t.Errorf("exit code = %d, want %d (stderr %q)", r.code, want, r.stderr)
	case want == 0 && (r.code == 0 || r.code == 3):
		t.Errorf("exit code = %d, want a failure other than the guard's (stderr %q)", r.code, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing from a failed build", r.stdout)
	}
}
