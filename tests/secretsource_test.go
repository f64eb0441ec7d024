package tests

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSecretSourceBounds: a --secret source that is not a regular file, is
// over the size cap, has an id outside the safe alphabet or a value too
// short to guard fails the build with one line naming the id (or the key),
// exit 2, nothing tagged. On main before the fix /dev/zero was read
// without end, a FIFO hung the build, a quoted comma reached buildah's
// spec and a 3-byte value built unguarded.
func TestSecretSourceBounds(t *testing.T) {
	dockerfile := "FROM localhost/busybox\nRUN --mount=type=secret,id=s true\n"
	tests := []struct {
		name string
		// secret is the --secret value; tmp is a scratch directory
		// holding "big" (2 MiB), "fifo" and "short".
		secret func(tmp string) string
		want   string
	}{
		{"device", func(string) string { return "id=s,src=/dev/zero" }, "not a regular file"},
		{"fifo", func(tmp string) string { return "id=s,src=" + filepath.Join(tmp, "fifo") }, "a FIFO"},
		{"directory", func(tmp string) string { return "id=s,src=" + tmp }, "a directory"},
		{"oversized", func(tmp string) string { return "id=s,src=" + filepath.Join(tmp, "big") }, "larger than its max-size"},
		{"comma in id", func(string) string { return `"id=s,src=/etc/passwd",type=file` }, "id must be"},
		{"short value", func(tmp string) string { return "id=s,src=" + filepath.Join(tmp, "short") }, "too short to guard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCanary(t)
			ctx, tmp := tempDir(t), tempDir(t)
			writeFiles(t, ctx, map[string]string{"Dockerfile": dockerfile})
			writeFile(t, filepath.Join(tmp, "big"), strings.Repeat("x", 2<<20), 0o644)
			writeFile(t, filepath.Join(tmp, "short"), "abc", 0o644)
			mkfifo(t, filepath.Join(tmp, "fifo"))
			tag := tagFor(t, "")
			args := build("-q", "-t", tag, "--secret", "id=tok,env=HUSH_E2E_TOKEN", "--secret", tt.secret(tmp), ctx)
			// On a hush that blocks on the FIFO, runHush's own deadline
			// fails the test.
			r := runHush(t, c, call{args: args, env: []string{"HUSH_E2E_TOKEN=" + c.value}, dir: tmp})
			assertFailed(t, r, 2)
			assertOneLine(t, r.stderr, tt.want)
			assertClean(t, tag)
		})
	}
}

// TestSecretAllowShort: allow-short=true builds with a short value and
// says, in one warning naming the id, that nothing guards it.
func TestSecretAllowShort(t *testing.T) {
	c := newCanary(t)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\nRUN --mount=type=secret,id=pin test -s /run/secrets/pin\n"})
	// Not -q: like every warning, it goes with the progress output.
	r := runHush(t, c, call{
		args: build("-t", tagFor(t, ""), "--secret", "id=pin,env=HUSH_E2E_PIN,allow-short=true", ctx),
		env:  []string{"HUSH_E2E_PIN=4711"},
	})
	if r.code != 0 {
		t.Fatalf("exit %d, want 0:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, `warning: secret "pin" is too short to guard`) {
		t.Errorf("stderr = %q, want a warning naming pin", r.stderr)
	}
}

// TestSignalWhileReadingSecret: SIGTERM or SIGINT while hush waits on a
// FIFO (or on stdin) that nobody writes ends hush within seconds, non-zero,
// leaving nothing. On main before the fix the signal was swallowed until
// a writer came.
func TestSignalWhileReadingSecret(t *testing.T) {
	for _, tt := range []struct {
		name string
		sig  syscall.Signal
	}{{"fifo SIGTERM", syscall.SIGTERM}, {"stdin SIGINT", syscall.SIGINT}} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, tmp := tempDir(t), tempDir(t)
			writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\nRUN --mount=type=secret,id=s true\n"})
			fifo := filepath.Join(tmp, "fifo")
			mkfifo(t, fifo)
			src := fifo
			if strings.HasPrefix(tt.name, "stdin") {
				src = "/dev/stdin"
			}
			cmd := command(context.Background(), nil, suite.hush, build("-q", "-t", tagFor(t, ""), "--secret", "id=s,nonregular=true,src="+src, ctx)...)
			cmd.Dir = tmp
			out := &syncBuffer{}
			cmd.Stdout, cmd.Stderr = out, out
			stdinW := (*os.File)(nil)
			if src == "/dev/stdin" {
				r, w, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				// As a user's own shell would make it: /dev/stdin reopens
				// the pipe, which checks its owner.
				if err := syscall.Fchown(int(r.Fd()), suite.uid, suite.gid); err != nil {
					t.Fatal(err)
				}
				cmd.Stdin, stdinW = r, w // held open, never written
				defer w.Close()
			}
			cmd.WaitDelay = 10 * time.Second
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			// Let hush reach the read: it has nothing else to wait on.
			time.Sleep(3 * time.Second)
			target := cmd.Process.Pid
			if suite.user != "" {
				for _, p := range descendants(target) {
					if isHush(p) {
						target = p
						break
					}
				}
			}
			sent := time.Now()
			if err := syscall.Kill(target, tt.sig); err != nil {
				t.Fatalf("signalling hush (pid %d): %v; it printed:\n%s", target, err, out.String())
			}
			select {
			case err := <-done:
				if err == nil {
					t.Errorf("hush exited 0 after %v", tt.sig)
				}
				if d := time.Since(sent); d > 5*time.Second {
					t.Errorf("hush took %v to stop after %v, want under 5 s", d, tt.sig)
				}
			case <-time.After(30 * time.Second):
				unblockFIFO(fifo)
				if stdinW != nil {
					stdinW.Close()
				}
				<-done
				t.Fatalf("hush did not stop within 30 s of %v:\n%s", tt.sig, out.String())
			}
			if left := containersLeft(t, suite.root, suite.runRoot); len(left) > 0 {
				t.Errorf("containers left: %v", left)
			}
		})
	}
}

func mkfifo(t *testing.T, p string) {
	t.Helper()
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
}

// unblockFIFO opens p for writing and closes it, so a reader blocked in
// open or read returns.
func unblockFIFO(p string) {
	if fd, err := syscall.Open(p, syscall.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		_ = syscall.Close(fd)
	}
}
