package pattern

import (
	"errors"
	"fmt"
	"io"
	"sync"
)

// ErrClosed is returned by a Write to a closed Redactor.
var ErrClosed = errors.New("write to a closed redactor")

// Redactor is an io.WriteCloser that copies to another writer with every
// pattern occurrence replaced by "****" (overlapping occurrences become
// one), including occurrences split across Writes.
//
// It holds back only bytes that may still be the start of a pattern: a
// suffix of the data that is a proper prefix of some pattern. A log line
// ending in a newline normally flows out whole at once. Flush emits what is
// held (at the end of a build step); a pattern cut short by a Flush is not
// a pattern and is written as is.
//
// It is safe for concurrent use; Writes are serialised.
type Redactor struct {
	mu     sync.Mutex
	m      *matcher
	w      io.Writer
	buf    []byte // held bytes
	base   int64  // stream position of buf[0]
	supp   int64  // end of a redaction already written as "****" that runs into buf
	tail0  int    // alphabet bytes just before buf[0] (the view's context)
	out    []byte
	iv     []interval
	vc     *viewCtx
	closed bool
}

// NewRedactor returns a Redactor writing to w. With an empty Set it passes
// writes through.
func (s *Set) NewRedactor(w io.Writer) *Redactor {
	r := &Redactor{w: w}
	if s != nil && s.rm != nil && len(s.rm.pats) > 0 {
		r.m = s.rm
	}
	return r
}

// String shows how much is held, never what.
func (r *Redactor) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return fmt.Sprintf("secrets.Redactor(holding %d bytes)", len(r.buf))
}

// GoString redacts %#v too.
func (r *Redactor) GoString() string { return r.String() }

// Format makes every verb print String.
func (r *Redactor) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(r.String())) }

// Write redacts p and writes what can no longer be part of a pattern. It
// reports all of p consumed unless the Redactor is closed; an error is the
// underlying writer's.
func (r *Redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, ErrClosed
	}
	if r.m == nil {
		return r.w.Write(p)
	}
	r.buf = append(r.buf, p...)
	return len(p), r.emit(false)
}

// Flush writes everything held.
func (r *Redactor) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil || len(r.buf) == 0 {
		return nil
	}
	return r.emit(true)
}

// Close flushes; it does not close the underlying writer.
func (r *Redactor) Close() error {
	err := r.Flush()
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	return err
}

// emit redacts the held bytes, writes those before the first position
// where a pattern may still start (all of them when flushing) and keeps
// the rest.
func (r *Redactor) emit(flush bool) error {
	buf := r.buf
	// Patterns are found in the view without wrapped blocks' line
	// breaks, as a Stream finds them.
	u := unwrap{tailN: r.tail0}
	v := u.filter(buf, 0)
	iv := r.iv[:0]
	r.m.find(v, func(pat int32, off int) {
		lo, l := u.toStream(int64(off), len(r.m.pats[pat].b))
		iv = append(iv, interval{lo: int(lo), hi: int(lo) + l})
	})
	// Escaped and encoded forms, as far as the held bytes show them (a
	// log line is held whole until its end).
	if r.vc == nil {
		r.vc = &viewCtx{m: r.m, reach: viewReach(r.m)}
	}
	_ = r.vc.once(buf, func(_ int32, off, n int, _ string) {
		iv = append(iv, interval{lo: off, hi: off + n})
	})
	cont := r.supp > r.base
	if cont {
		iv = append(iv, interval{lo: 0, hi: int(r.supp - r.base)})
	}
	hold := len(buf)
	if !flush {
		h, _ := u.toStream(int64(r.m.holdFrom(v)), 0)
		hold = min(int(h), len(buf))
	}
	out := r.out[:0]
	cur := 0
	supp := r.supp // kept when hold comes before the redaction's start
	for _, u := range union(iv) {
		if u.lo >= hold {
			break
		}
		out = append(out, buf[cur:u.lo]...)
		if !(cont && u.lo == 0) {
			out = append(out, redacted...)
		}
		if u.hi > hold {
			// The redaction runs into the held bytes: remember that its
			// "****" is written.
			supp = r.base + int64(u.hi)
			cur = hold
			break
		}
		cur = u.hi
	}
	if cur < hold {
		out = append(out, buf[cur:hold]...)
	}
	r.tail0 = alphaRun(buf[:hold], r.tail0)
	r.iv, r.out = iv, out
	r.buf = buf[:copy(buf, buf[hold:])]
	if cap(r.buf) > 1<<20 && len(r.buf) < 1<<16 {
		// One large Write must not pin its size for the Redactor's life.
		r.buf, r.out = append([]byte(nil), r.buf...), nil
	}
	r.base += int64(hold)
	r.supp = supp
	if len(out) == 0 {
		return nil
	}
	n, err := r.w.Write(out)
	if err == nil && n < len(out) {
		err = io.ErrShortWrite
	}
	return err
}
