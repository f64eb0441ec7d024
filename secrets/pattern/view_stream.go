package pattern

import (
	"slices"
	"strings"
)

// viewer runs the views over a Stream's data in windows: a window is the
// bytes of one Write after a tail of the previous ones. The tail is the
// last reach bytes (the context an escaped region may need), or more when
// a run or region reached the end of the last window and must be decoded
// again with what follows: from its start, or from a point in it aligned
// the same way. A compressed stream inside a run is held whole, up to
// maxHeld bytes; a longer one makes the scan incomplete. A match found in
// two windows is reported once.
type viewer struct {
	c    viewCtx
	win  []byte // the tail, then the Write's bytes
	base int64  // view position of win[0]
	from int64  // view position the next scan starts at, or -1
	seen map[seenHit]bool
}

type seenHit struct {
	pat int32
	off int64
}

// maxHeld bounds the tail a viewer holds for an open compressed run.
const maxHeld = 4 << 20

// viewReach is how far an escaped region extends on either side of an
// escape: far enough for the longest pattern escaped byte by byte.
func viewReach(m *matcher) int { return min(max(3*m.maxLen, 1<<10), 32<<10) }

func newViewer(m *matcher) *viewer {
	return &viewer{c: viewCtx{m: m, reach: viewReach(m)}, from: -1}
}

func (v *viewer) reset() {
	v.win = v.win[:0]
	clear(v.seen)
	v.base, v.from, v.c.err = 0, -1, nil
}

// write scans p, the view's bytes from position base+len(tail) on, and
// calls report for each new view match (view positions).
func (v *viewer) write(p []byte, report func(pat int32, off int64, n int, enc string)) {
	tailN := len(v.win)
	v.win = append(v.win, p...)
	win := v.win
	from := tailN
	if v.from >= 0 {
		from = int(v.from - v.base)
	}
	c := &v.c
	c.budget = viewGrowth*len(p) + viewSlack
	c.cut = true
	open := c.scan(win, from, 0, "", nil, false, func(h hit) {
		off := v.base + int64(h.lo)
		k := seenHit{h.pat, off}
		if v.seen[k] {
			return
		}
		if v.seen == nil {
			v.seen = map[seenHit]bool{}
		}
		v.seen[k] = true
		report(h.pat, off, h.hi-h.lo, h.enc)
	})
	keep := max(0, len(win)-c.reach)
	v.from = -1
	if open >= 0 && open < len(win) {
		if len(win)-open > maxHeld {
			c.fail("a compressed stream inside an encoded run is longer than %d bytes", maxHeld)
		} else {
			keep = min(keep, open)
			v.from = v.base + int64(open)
		}
	}
	v.base += int64(keep)
	v.win = v.win[:copy(v.win, win[keep:])]
	if cap(v.win) > 2*maxHeld {
		v.win = slices.Clone(v.win)
	}
	for k := range v.seen {
		if k.off < v.base {
			delete(v.seen, k)
		}
	}
}

// viewOnce runs the views over the whole of b (a document, not a stream).
func viewOnce(m *matcher, b []byte, fn func(pat int32, off, n int, enc string)) error {
	c := viewCtx{m: m, reach: viewReach(m)}
	return c.once(b, fn)
}

// once runs the views over the whole of b, reusing c's buffers.
func (c *viewCtx) once(b []byte, fn func(pat int32, off, n int, enc string)) error {
	c.budget, c.err, c.cut = viewGrowth*len(b)+viewSlack, nil, false
	type key struct {
		pat int32
		off int
	}
	seen := map[key]bool{}
	c.scan(b, 0, 0, "", nil, false, func(h hit) {
		if k := (key{h.pat, h.lo}); !seen[k] {
			seen[k] = true
			fn(h.pat, h.lo, h.hi-h.lo, h.enc)
		}
	})
	return c.err
}

// ViewPrefix starts the Encoding of a match a view found: then the views'
// chain, outer first, and the pattern's own encoding unless it is raw
// ("view:base64/escape", "view:escape/json").
const ViewPrefix = "view:"

// IsView reports whether a Match's Encoding is a view's.
func IsView(enc string) bool { return strings.HasPrefix(enc, ViewPrefix) }

func viewEncoding(chain, enc string) string {
	chain = ViewPrefix + strings.TrimPrefix(chain, "/")
	if enc == EncRaw {
		return chain
	}
	return chain + "/" + enc
}

// fastHit is a fast-path match of a secret at [lo, hi).
type fastHit struct {
	id     string
	lo, hi int64
}

// appendViewMatches is appendMatches for a view match, leaving out the
// secrets a fast-path match already reports at an overlapping place.
func (m *matcher) appendViewMatches(out []Match, pat int32, off int64, n int, chain string, fast []fastHit) []Match {
	for _, o := range m.pats[pat].from {
		if o.redactOnly || slices.ContainsFunc(fast, func(f fastHit) bool {
			return f.id == o.id && f.lo < off+int64(n) && off < f.hi
		}) {
			continue
		}
		out = append(out, Match{SecretID: o.id, Fragment: o.frag, Encoding: viewEncoding(chain, o.enc), Offset: off, Length: n})
	}
	return out
}
