package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// A command source (cmd=) runs the user's own command line with /bin/sh -c
// and takes its standard output, in memory, as the value: `sops -d`,
// `vault kv get -field=...`, `op read ...` become one flag, with no
// decrypted file on disk and no value in an environment variable.
//
// The value is never interpolated into a command line: hush runs exactly
// the string the user wrote. What hush does with the command's streams:
//   - stdin is /dev/null, so a tool that would prompt fails at once
//     instead of hanging a CI job;
//   - stdout is read into memory, bounded by the size cap, and never
//     logged or echoed;
//   - stderr is discarded. A failing command may print anything there (a
//     partial value, another credential, a `set -x` trace) and hush cannot
//     tell what is secret in it, since the value it would redact against is
//     the very thing that failed to arrive. So hush shows none of it; the
//     error names the secret's id and the exit status, and the user runs the
//     command by hand to see why. For the same reason errors never quote the
//     command itself, which may carry a token of its own.

// A command's output is bounded by the spec's size cap (DefaultMaxSize
// unless max-size= raises it): a runaway command (`yes`) must not exhaust
// memory.

// commandWaitDelay is how long Wait waits for the output pipe to close once
// the command's process group was killed.
const commandWaitDelay = 2 * time.Second

// ErrCommand is wrapped by every error of a command source.
var ErrCommand = errors.New("command")

var errTooLong = errors.New("output too long")

func runCommand(ctx context.Context, command string, limit int) ([]byte, error) {
	out := &wipingBuffer{limit: limit}
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	cmd.Stdout = out
	// Stdin and Stderr stay nil: /dev/null (see above).
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// Its own process group, so cancelling kills what the shell
		// started too (a pipeline, a background child holding stdout).
		Setpgid: true,
		// A hush killed mid-build takes the command with it.
		Pdeathsig: syscall.SIGKILL,
	}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = commandWaitDelay
	err := cmd.Run()
	switch {
	case out.over:
		err = fmt.Errorf("%w printed more than %d bytes (raise it with max-size=)", ErrCommand, limit)
	case err == nil && len(bytes.TrimSpace(out.buf)) == 0:
		err = fmt.Errorf("%w printed nothing", ErrCommand)
	}
	if err != nil {
		out.wipe()
		return nil, commandError(ctx, err)
	}
	return out.buf, nil
}

// commandError says why a command failed in words that hold no output.
func commandError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%w did not finish: %w", ErrCommand, ctxErr)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return fmt.Errorf("%w was killed by signal %d (its stderr is not shown: run it by hand to see why)", ErrCommand, ws.Signal())
		}
		return fmt.Errorf("%w exited with status %d (its stderr is not shown: run it by hand to see why)", ErrCommand, ee.ExitCode())
	}
	if errors.Is(err, ErrCommand) {
		return err
	}
	// Starting /bin/sh failed, or the output pipe outlived WaitDelay: the
	// error names /bin/sh or the pipe, never the command line.
	return fmt.Errorf("%w: %w", ErrCommand, err)
}

// wipingBuffer collects a command's output, clearing each old backing
// array as it grows so no partial copy of the value lingers in freed
// memory, and stops storing past limit.
type wipingBuffer struct {
	buf   []byte
	limit int
	over  bool
}

func (b *wipingBuffer) Write(p []byte) (int, error) {
	if len(b.buf)+len(p) > b.limit {
		// The pipe closes and the command (`yes`) ends with SIGPIPE.
		b.over = true
		return 0, errTooLong
	}
	if len(b.buf)+len(p) > cap(b.buf) {
		grown := make([]byte, len(b.buf), max(2*cap(b.buf), len(b.buf)+len(p), 512))
		copy(grown, b.buf)
		clear(b.buf)
		b.buf = grown
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *wipingBuffer) wipe() { clear(b.buf) }

// String redacts: the buffer holds a value.
func (b *wipingBuffer) String() string { return fmt.Sprintf("command output (%d bytes)", len(b.buf)) }

// GoString redacts %#v too.
func (b *wipingBuffer) GoString() string { return b.String() }

// Format makes every verb print the redacted form.
func (b *wipingBuffer) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(b.String())) }
