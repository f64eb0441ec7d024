package pattern

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
)

// Match is one occurrence of a pattern. It says which secret, which part of
// it and in which encoding, and where; never the bytes.
type Match struct {
	SecretID string
	Fragment string // a Frag* constant
	Encoding string // an Enc* constant
	Offset   int64  // of the first byte, from the start of the data or stream
	Length   int
}

// String shows where and what, never the bytes.
func (m Match) String() string {
	return fmt.Sprintf("secret %q (%s, %s) at %d+%d", m.SecretID, m.Fragment, m.Encoding, m.Offset, m.Length)
}

// GoString redacts %#v the same way.
func (m Match) GoString() string { return m.String() }

// Format makes every verb print String.
func (m Match) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(m.String())) }

// Find returns every occurrence of every pattern in p, ordered by offset,
// then longest first. A pattern that came from several secrets yields one
// Match per secret. For whole documents (a config field, a build-arg
// value); use NewStream for data that arrives in pieces.
func (s *Set) Find(p []byte) []Match {
	if s == nil || s.m == nil || len(s.m.pats) == 0 {
		return nil
	}
	var out []Match
	// The same view as a Stream's: wrapped blocks without line breaks.
	var u unwrap
	v := u.filter(p, 0)
	s.m.find(v, func(pat int32, off int) {
		out = s.m.appendMatches(out, pat, int64(off))
	})
	for i := range out {
		out[i].Offset, out[i].Length = u.toStream(out[i].Offset, out[i].Length)
	}
	fast := make([]fastHit, len(out))
	for i, mt := range out {
		fast[i] = fastHit{mt.SecretID, mt.Offset, mt.Offset + int64(mt.Length)}
	}
	_ = viewOnce(s.m, p, func(pat int32, off, n int, enc string) {
		out = s.m.appendViewMatches(out, pat, int64(off), n, enc, fast)
	})
	sortMatches(out)
	return out
}

// find calls fn for every occurrence in p, in no particular order.
func (m *matcher) find(p []byte, fn func(pat int32, off int)) {
	for i := m.next(p, 0); i >= 0; i = m.next(p, i+m.stride) {
		for _, c := range m.cands.get(binary.LittleEndian.Uint32(p[i:])) {
			b := m.pats[c.pat].b
			st := i - int(c.off)
			if st >= 0 && st+len(b) <= len(p) && bytes.Equal(p[st:st+len(b)], b) {
				fn(c.pat, st)
			}
		}
	}
}

func (m *matcher) appendMatches(out []Match, pat int32, off int64) []Match {
	p := &m.pats[pat]
	for _, o := range p.from {
		if o.redactOnly {
			continue
		}
		out = append(out, Match{SecretID: o.id, Fragment: o.frag, Encoding: o.enc, Offset: off, Length: len(p.b)})
	}
	return out
}

func sortMatches(ms []Match) {
	slices.SortFunc(ms, func(a, b Match) int {
		return cmp.Or(cmp.Compare(a.Offset, b.Offset), cmp.Compare(b.Length, a.Length),
			cmp.Compare(a.SecretID, b.SecretID), cmp.Compare(a.Fragment, b.Fragment), cmp.Compare(a.Encoding, b.Encoding))
	})
}

// interval is a half-open byte range [lo, hi).
type interval struct{ lo, hi int }

// spans appends the intervals of p that hold a pattern, found in the view
// of p (see unwrap) that u makes.
func (m *matcher) spans(p []byte, u *unwrap, iv []interval) []interval {
	v := u.filter(p, 0)
	m.find(v, func(pat int32, off int) {
		lo, l := u.toStream(int64(off), len(m.pats[pat].b))
		iv = append(iv, interval{int(lo), int(lo) + l})
	})
	_ = viewOnce(m, p, func(_ int32, off, n int, _ string) {
		iv = append(iv, interval{off, off + n})
	})
	return iv
}

// Redact returns p with every pattern occurrence replaced by "****"
// (overlapping occurrences become one), or p itself when nothing matched.
// For whole strings (an error message, a path); use NewRedactor for
// streams.
func (s *Set) Redact(p []byte) []byte {
	out, _ := s.redact(p)
	return out
}

// redact is Redact that also reports whether anything was replaced.
func (s *Set) redact(p []byte) ([]byte, bool) {
	var iv []interval
	if s != nil && s.m != nil && len(s.m.pats) > 0 {
		var u unwrap
		iv = s.m.spans(p, &u, iv)
	}
	if len(iv) == 0 {
		return p, false
	}
	out := make([]byte, 0, len(p))
	cur := 0
	for _, u := range union(iv) {
		out = append(out, p[cur:u.lo]...)
		out = append(out, redacted...)
		cur = u.hi
	}
	return append(out, p[cur:]...), true
}

// RedactString is Redact for a whole string: a name, a path, an error
// message, a log entry, a report's field. It is hush's one string
// redaction (the builder's errors and process log, audit's reports call
// it); a nil Set returns str.
func (s *Set) RedactString(str string) string {
	if r, ok := s.redact([]byte(str)); ok {
		return string(r)
	}
	return str
}

// redacted replaces every redacted span.
var redacted = []byte("****")

// union sorts intervals and merges those that overlap. Adjacent ones stay
// apart, so a value repeated twice shows as two redactions, and the
// Redactor, which may emit the first before it sees the second, agrees.
func union(iv []interval) []interval {
	slices.SortFunc(iv, func(a, b interval) int { return cmp.Compare(a.lo, b.lo) })
	out := iv[:0]
	for _, v := range iv {
		if n := len(out); n > 0 && v.lo < out[n-1].hi {
			out[n-1].hi = max(out[n-1].hi, v.hi)
			continue
		}
		out = append(out, v)
	}
	return out
}
