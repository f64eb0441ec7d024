package pattern

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
)

// Stream is an io.Writer that reports every pattern occurrence in the bytes
// written to it, including occurrences split across Write calls. Offsets
// count from the first byte written (or from the last Reset). It is not
// safe for concurrent use.
//
// It keeps no window of past data: each sampled window is read once, and a
// candidate that runs past the end of a Write is kept as pending (pattern,
// start, bytes verified) and finished by the next Writes. Only the last few
// bytes, maxAnchor+stride+q-2 of them, are kept to read windows and
// candidate starts that straddle two Writes.
type Stream struct {
	m  *matcher
	fn func(Match)

	pos  int64 // bytes written so far
	next int64 // first sample position whose window was not read yet
	hist []byte
	pend []pending
	bb   []byte
	ms   []Match
	uw   unwrap // the view without the line breaks of wrapped blocks
	vw   *viewer
	// fast holds the recent fast-path matches (view positions): a view
	// match of the same secret that overlaps one is the same finding.
	fast []fastHit
}

// pending is a candidate verified up to the end of the data so far:
// start+done is always the stream position.
type pending struct {
	pat   int32
	start int64
	done  int
}

// NewStream returns a Stream that calls fn for every occurrence, during the
// Write that completes it. A pattern from several secrets is reported once
// per secret. Matches within one Write come in no particular order.
func (s *Set) NewStream(fn func(Match)) *Stream {
	st := &Stream{fn: fn}
	if s != nil && s.m != nil && len(s.m.pats) > 0 {
		st.m = s.m
		st.vw = newViewer(s.m)
	}
	return st
}

// Reset forgets all data written, so the Stream can scan another input.
func (s *Stream) Reset() {
	s.pos, s.next = 0, 0
	s.hist, s.pend, s.fast = s.hist[:0], s.pend[:0], s.fast[:0]
	s.uw.reset()
	if s.vw != nil {
		s.vw.reset()
	}
}

// Err reports why the views could not decode everything written so far
// (wrapping ErrIncomplete, naming no value), or nil. A caller that gets
// one must treat the data as not scanned.
func (s *Stream) Err() error {
	if s.vw == nil {
		return nil
	}
	return s.vw.c.err
}

// String shows the position only.
func (s *Stream) String() string { return fmt.Sprintf("secrets.Stream(at %d)", s.pos) }

// GoString redacts %#v too.
func (s *Stream) GoString() string { return s.String() }

// Format makes every verb print String.
func (s *Stream) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// Write scans p. It never fails.
func (s *Stream) Write(p []byte) (int, error) {
	if s.m == nil || len(p) == 0 {
		s.pos += int64(len(p))
		return len(p), nil
	}
	// s.pos and the matches' offsets are the view's; offsets are mapped
	// back to the data's before they are reported.
	s.write(s.uw.filter(p, s.pos))
	for i := range s.ms {
		mt := &s.ms[i]
		mt.Offset, mt.Length = s.uw.toStream(mt.Offset, mt.Length)
		s.fast = append(s.fast, fastHit{mt.SecretID, mt.Offset, mt.Offset + int64(mt.Length)})
	}
	// The views read the data as written: their runs take line breaks in
	// themselves, and a dump's lines must stay lines.
	if s.vw != nil {
		s.vw.write(p, func(pat int32, off int64, n int, enc string) {
			s.ms = s.m.appendViewMatches(s.ms, pat, off, n, enc, s.fast)
		})
		s.fast = slices.DeleteFunc(s.fast, func(f fastHit) bool { return f.hi < s.vw.base })
	} else {
		s.fast = s.fast[:0]
	}
	for _, mt := range s.ms {
		s.fn(mt)
	}
	s.ms = s.ms[:0]
	if len(s.uw.drops) > 64 {
		s.uw.prune(s.pos - int64(s.m.maxLen) - 1)
	}
	return len(p), nil
}

// write scans the view's next bytes.
func (s *Stream) write(p []byte) {
	if len(p) == 0 {
		return
	}
	m := s.m
	base, end := s.pos, s.pos+int64(len(p))
	st := int64(m.stride)
	s.advance(p)
	// Windows that start in the kept tail and end in p.
	if s.next < base {
		bb := append(append(s.bb[:0], s.hist...), p[:min(len(p), q-1)]...)
		bbBase := base - int64(len(s.hist))
		for i := s.next; i < base && i+q <= bbBase+int64(len(bb)); i += st {
			w := binary.LittleEndian.Uint32(bb[i-bbBase:])
			if m.filter.has(w) {
				s.check(i, w, p, base)
			}
		}
		s.bb = bb
	}
	// Windows inside p.
	first := s.next
	if first < base {
		first += (base - first + st - 1) / st * st
	}
	for i := m.next(p, int(first-base)); i >= 0; i = m.next(p, i+m.stride) {
		s.check(base+int64(i), binary.LittleEndian.Uint32(p[i:]), p, base)
	}
	// Every sample whose window fits has been read.
	if lim := end - q + 1; lim > s.next {
		s.next += (lim - s.next + st - 1) / st * st
	}
	s.keepTail(p)
	s.pos = end
}

// advance continues the pending candidates with p.
func (s *Stream) advance(p []byte) {
	keep := s.pend[:0]
	for _, pd := range s.pend {
		rest := s.m.pats[pd.pat].b[pd.done:]
		n := min(len(rest), len(p))
		switch {
		case !bytes.Equal(rest[:n], p[:n]):
		case n == len(rest):
			s.ms = s.m.appendMatches(s.ms, pd.pat, pd.start)
		default:
			pd.done += n
			keep = append(keep, pd)
		}
	}
	s.pend = keep
}

// check verifies the candidates of the window w read at stream position i.
// p is the data being written, starting at stream position base; the kept
// tail holds the bytes just before it.
func (s *Stream) check(i int64, w uint32, p []byte, base int64) {
	for _, c := range s.m.cands.get(w) {
		start := i - int64(c.off)
		b := s.m.pats[c.pat].b
		if start < 0 || start+int64(len(b)) <= base || start < base-int64(len(s.hist)) {
			// Before the stream began, or wholly in earlier data (whose
			// windows were read then).
			continue
		}
		done := 0
		if start < base {
			h := s.hist[start-(base-int64(len(s.hist))):]
			if !bytes.Equal(h, b[:len(h)]) {
				continue
			}
			done = len(h)
		}
		seg := p[max(start-base, 0):]
		rest := b[done:]
		n := min(len(rest), len(seg))
		switch {
		case !bytes.Equal(rest[:n], seg[:n]):
		case n == len(rest):
			s.ms = s.m.appendMatches(s.ms, c.pat, start)
		default:
			s.pend = append(s.pend, pending{pat: c.pat, start: start, done: done + n})
		}
	}
}

// keepTail keeps the last maxAnchor+stride+q-2 bytes written: enough for
// a window that straddles the next Write and for the start of its
// candidates.
func (s *Stream) keepTail(p []byte) {
	k := maxAnchor + s.m.stride + q - 2
	if len(p) >= k {
		s.hist = append(s.hist[:0], p[len(p)-k:]...)
		return
	}
	s.hist = append(s.hist, p...)
	if over := len(s.hist) - k; over > 0 {
		s.hist = s.hist[:copy(s.hist, s.hist[over:])]
	}
}
