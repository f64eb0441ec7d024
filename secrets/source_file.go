package secrets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A file source (src=) is read with three bounds, so a --secret flag that
// points at the wrong thing cannot hang or exhaust hush:
//   - only a regular file, unless the spec says nonregular=true (a FIFO a
//     secret manager writes into, /dev/stdin): /dev/zero, a directory or a
//     socket is refused by name;
//   - at most the spec's MaxSize (DefaultMaxSize unless max-size= raises
//     it), so a 2 GiB file is refused before it is read into memory;
//   - the open and the read end when ctx does (SIGINT, SIGTERM): a FIFO
//     with no writer blocks open(2) and read(2) in the kernel, which no Go
//     context reaches, so they run aside and hush stops waiting for them.

// DefaultMaxSize bounds a secret's value unless its spec raises it
// (max-size=): far above any credential or certificate bundle; BuildKit
// refuses secrets over 500 KiB.
const DefaultMaxSize = 1 << 20

// ErrTooLarge is wrapped by the error for a source over its size cap.
var ErrTooLarge = errors.New("larger than its max-size")

// limit is the spec's size cap.
func (sp Spec) limit() int64 {
	if sp.MaxSize > 0 {
		return sp.MaxSize
	}
	return DefaultMaxSize
}

// readFileSource reads sp.Src under the bounds above. Errors name the path
// (the user's own flag) and the cause, never the content.
func readFileSource(ctx context.Context, sp Spec) ([]byte, error) {
	st, err := os.Stat(sp.Src)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() && !sp.NonRegular {
		return nil, fmt.Errorf("%s is not a regular file (%s); add nonregular=true to read a FIFO or device", sp.Src, kind(st.Mode()))
	}
	if st.Mode().IsRegular() && st.Size() > sp.limit() {
		return nil, fmt.Errorf("%s: %w (%s); raise it with max-size=", sp.Src, ErrTooLarge, sizeString(sp.limit()))
	}
	type result struct {
		v   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := readBounded(sp.Src, sp.limit(), sp.NonRegular)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		if errors.Is(r.err, ErrTooLarge) {
			r.err = fmt.Errorf("%s: %w (%s); raise it with max-size=", sp.Src, ErrTooLarge, sizeString(sp.limit()))
		}
		return r.v, r.err
	case <-ctx.Done():
		// The reader may not have reached open(2) yet (a busy machine), and
		// a non-blocking open for writing only unblocks a reader already
		// there: keep unblocking until it returns, for a few seconds (a
		// writer that holds the FIFO open keeps its reader until the
		// process ends; no need to poll for that). It wipes what it got.
		unblock(sp.Src, st.Mode())
		go func() {
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			giveUp := time.After(5 * time.Second)
			for {
				select {
				case r := <-done:
					clear(r.v)
					return
				case <-tick.C:
					unblock(sp.Src, st.Mode())
				case <-giveUp:
					tick.Stop()
					if r := <-done; r.v != nil {
						clear(r.v)
					}
					return
				}
			}
		}()
		return nil, fmt.Errorf("reading %s: %w", sp.Src, ctx.Err())
	}
}

// readBounded reads at most limit bytes of path, and ErrTooLarge when
// there is more. The buffer is wiped when it grows or the read fails.
func readBounded(path string, limit int64, nonRegular bool) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The path may have been swapped since the Stat: check what was opened.
	if st, err := f.Stat(); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() && !nonRegular {
		return nil, fmt.Errorf("%s is not a regular file (%s); add nonregular=true to read a FIFO or device", path, kind(st.Mode()))
	}
	out := &wipingBuffer{limit: int(limit)}
	_, err = io.Copy(out, io.LimitReader(f, limit+1))
	if out.over {
		out.wipe()
		return nil, ErrTooLarge
	}
	if err != nil {
		out.wipe()
		return nil, err
	}
	return out.buf, nil
}

// unblock ends a FIFO reader stuck in open(2) or read(2): opening the FIFO
// for writing (non-blocking, so it fails rather than waits when no reader
// is there) and closing it lets the reader's open return and its read see
// end of file. Anything else is left to end with the process.
func unblock(path string, mode os.FileMode) {
	if mode&os.ModeNamedPipe == 0 {
		return
	}
	if fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0); err == nil {
		_ = syscall.Close(fd)
	}
}

func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "not a plain file"
}

// sizeString writes n bytes as max-size= takes it, in the largest unit
// that divides it.
func sizeString(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// parseSize reads max-size=: bytes, or a number with K, KiB, M, MiB, G or
// GiB (powers of 1024, as sizes of files are counted here).
func parseSize(s string) (int64, error) {
	num := strings.TrimRight(s, "KMGiBkmgb")
	unit := strings.ToLower(s[len(num):])
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return 0, errors.New("not a positive size")
	}
	shift := map[string]uint{"": 0, "b": 0, "k": 10, "kib": 10, "kb": 10, "m": 20, "mib": 20, "mb": 20, "g": 30, "gib": 30, "gb": 30}
	sh, ok := shift[unit]
	if !ok || n > (1<<62)>>sh {
		return 0, errors.New("not a size")
	}
	return n << sh, nil
}
