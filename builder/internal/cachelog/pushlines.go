package cachelog

import (
	"bytes"
	"io"
	"sync"
)

// pushPrefix starts the line buildah prints when a --layers step is
// keyed for --cache-to. hush only records the entry then (the push comes
// after the guard, with its own summary line), so the line would claim a
// push that a refused build never makes.
var pushPrefix = []byte("--> Pushing cache ")

// HidePushLines returns w without buildah's "--> Pushing cache" lines.
// buildah prints each such line with one write; any other write passes
// through at once (step output is streamed, not held back for a line).
func HidePushLines(w io.Writer) io.Writer { return &pushFilter{w: w, atStart: true} }

type pushFilter struct {
	mu      sync.Mutex
	w       io.Writer
	atStart bool
}

func (f *pushFilter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(p) == 0 {
		return 0, nil
	}
	if f.atStart && bytes.HasPrefix(p, pushPrefix) && bytes.IndexByte(p, '\n') == len(p)-1 {
		return len(p), nil
	}
	n, err := f.w.Write(p)
	if n > 0 {
		f.atStart = p[n-1] == '\n'
	}
	return n, err
}
