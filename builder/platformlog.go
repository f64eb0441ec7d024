package builder

import (
	"bytes"
	"io"
	"sync"

	"go.podman.io/storage"
)

// The small pieces of a multi-platform build (multiplatform.go): which
// outputs it writes, the tags it takes and gives back, its platforms' log
// lines.

// outputsOf returns the outputs of type t.
func outputsOf(outs []Output, t OutputType) []Output {
	var res []Output
	for _, o := range outs {
		if o.Type == t {
			res = append(res, o)
		}
	}
	return res
}

func heldNames(store storage.Store, tags []string) []string {
	var res []string
	for _, t := range tags {
		if img, err := store.Image(t); err == nil {
			res = append(res, img.ID+"\x00"+t)
		}
	}
	return res
}

// restoreNames gives each tag back to the image that held it.
func restoreNames(store storage.Store, held []string) {
	for _, h := range held {
		id, tag, _ := bytes.Cut([]byte(h), []byte{0})
		_ = store.AddNames(string(id), []string{string(tag)})
	}
}

// linePrefixer writes each whole line to w behind prefix, under mu, so
// the platforms' logs stay readable when they build at once.
type linePrefixer struct {
	w      io.Writer
	prefix []byte
	mu     *sync.Mutex
	buf    []byte
}

func (l *linePrefixer) Write(b []byte) (int, error) {
	l.buf = append(l.buf, b...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.mu.Lock()
		_, err := l.w.Write(append(append([]byte(nil), l.prefix...), l.buf[:i+1]...))
		l.mu.Unlock()
		l.buf = l.buf[i+1:]
		if err != nil {
			return len(b), err
		}
	}
	if len(l.buf) > 64<<10 { // a long line without an end: out as it is
		l.mu.Lock()
		_, err := l.w.Write(append(append([]byte(nil), l.prefix...), l.buf...))
		l.mu.Unlock()
		l.buf = nil
		return len(b), err
	}
	return len(b), nil
}

// flush writes what is left of a last line without its end.
func (l *linePrefixer) flush() {
	if len(l.buf) > 0 {
		l.mu.Lock()
		_, _ = l.w.Write(append(append(append([]byte(nil), l.prefix...), l.buf...), '\n'))
		l.mu.Unlock()
		l.buf = nil
	}
}
