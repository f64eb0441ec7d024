package pattern

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Decoding views. The fixed encodings of a secret (encode.go) are a fast
// path; recall rests on the views: any run of the data that looks like an
// encoding is decoded and the result scanned again, for the patterns and
// for further encodings, down to maxViewDepth levels. The views are
//
//   - base64 and base64url runs (either alphabet, line breaks inside),
//   - hex runs, and hex in separated notations (C arrays, \x.., colon
//     lists, xxd and hexdump -C dumps),
//   - backslash escapes (JSON, C, Python, Perl, PHP, Java, shells,
//     properties files), percent-encoding (either case, %uXXXX, '+' for a
//     space), HTML/XML character references, doubled quotes,
//   - gzip and zlib streams found at the start of a decoded run.
//
// A view's finding is a match that covers at least one byte the view
// transformed: a match the level above could see is its own. Runs and
// escaped regions are found in bounded windows (see viewer), so a Stream
// still holds a bounded tail of the data, never the data. Every window has
// a budget of decoded bytes; running out, like a compressed stream inside
// a run that does not decode, makes the scan incomplete (Stream.Err), and
// the caller fails closed.

// ErrIncomplete says a view could not decode everything it should have: a
// budget ran out or a compressed stream was corrupt or too long.
var ErrIncomplete = errors.New("scan incomplete")

const (
	// maxViewDepth bounds how deep views nest (base64 of a JSON string
	// holding percent-encoding is three).
	maxViewDepth = 4
	// minRun is the shortest base64 or hex run decoded: 12 bytes of
	// base64, 8 of hex. A shorter encoding of a secret on its own is
	// the fast path's.
	minRun = 16
	// viewGrowth is the decoded bytes a window may produce per byte of
	// it, beyond viewSlack: ordinary escaped JSON stays far below it.
	viewGrowth = 16
	viewSlack  = 1 << 20
	// maxInflate bounds what one compressed stream inside a run may
	// inflate to.
	maxInflate = 64 << 20
)

// viewCtx is the state of one window's views.
type viewCtx struct {
	m      *matcher
	reach  int // how far an escaped region extends either side of an escape
	budget int // decoded bytes left in this window
	err    error
	cut    bool // the window's end is not the data's
	// gram is why the gate last said yes (view_gate.go); lastReach is
	// gateReach's last count, by buffer and escape.
	gram      int
	lastReach struct {
		b    *byte
		t, r int
	}
	scr [maxViewDepth + 1]viewScratch
	// after[d] is the dialect whose decoding level d scans (0 for a
	// whole-run decoding): escapes nest in the dialects' order only, or
	// as the same dialect where its own decoding made the escape (\\u00e4),
	// which bounds the combinations a region is decoded in.
	after [maxViewDepth + 1]int
}

// viewScratch holds one nesting level's buffers.
type viewScratch struct {
	out   []byte
	marks []mark
	trig  []int
	// merged holds the escapes' triggers in order.
	merged []int
	uw     unwrap
	// The gate's buffers (view_gate.go), and the marks it let through.
	local   localWin
	useful  []mark
	gateOff bool  // most escapes passed: the gate is off for the window
	reach   []int // each trigger's reach
}

// hit is a view's match in the coordinates of the buffer being scanned.
type hit struct {
	pat    int32
	lo, hi int
	enc    string
}

func (c *viewCtx) fail(format string, a ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%w: "+format, append([]any{ErrIncomplete}, a...)...)
	}
}

// spend charges n decoded bytes to the budget.
func (c *viewCtx) spend(n int) bool {
	if c.budget < n {
		c.fail("decoding views exceeded their budget (%d times the data)", viewGrowth)
		c.budget = 0
		return false
	}
	c.budget -= n
	return true
}

// scan reports the views' matches in b, from position from on (what comes
// before is context: the end of the previous window). near, when not nil,
// limits the scan to runs and regions within reach of those marks: b is a
// decoded region, and what is far from its escapes the level above has
// scanned already. It returns the start of a run or region that reaches
// b's end while c.cut, whose decoding the next window must redo (-1 when
// none).
func (c *viewCtx) scan(b []byte, from, depth int, chain string, near []mark, binary bool, emit func(hit)) int {
	if depth >= maxViewDepth || c.err != nil {
		return -1
	}
	open := -1
	keep := func(s int) {
		if open < 0 || s < open {
			open = s
		}
	}
	c.runs(b, from, depth, chain, near, emit, keep)
	if near == nil {
		c.wide(b, from, depth, chain, emit, keep)
	}
	if !binary {
		if near == nil {
			// Hex notations hold no escapes: an escape dialect's
			// decoding shows none the level above did not see.
			c.sepHex(b, from, depth, chain, near, emit, keep)
		}
		c.escapes(b, from, depth, chain, near, emit, keep)
	}
	return open
}

// nearMarks reports whether [lo, hi) is within reach of a mark's decoded
// bytes (always, when near is nil).
func (c *viewCtx) nearMarks(near []mark, lo, hi int) bool {
	if near == nil {
		return true
	}
	i, _ := slices.BinarySearchFunc(near, lo-c.reach, func(m mark, t int) int { return m.decEnd - t })
	return i < len(near) && near[i].dec <= hi+c.reach
}

// runs decodes the base64 and hex runs of b.
func (c *viewCtx) runs(b []byte, from, depth int, chain string, near []mark, emit func(hit), keep func(int)) {
	if near != nil {
		c.nearRuns(b, from, depth, chain, near, emit, keep)
		return
	}
	t := &alpha8
	lastEnd := -1
	for i := from; i+8 <= len(b); {
		w := b[i : i+8]
		if t[w[0]]&t[w[1]]&t[w[2]]&t[w[3]]&t[w[4]]&t[w[5]]&t[w[6]]&t[w[7]] == 0 {
			i += 8
			continue
		}
		// A run of minRun characters holds this block and four more on
		// one side of it (or reaches the window's end).
		if i-4 >= from && i+12 <= len(b) && t[b[i-4]]&t[b[i-3]]&t[b[i-2]]&t[b[i-1]] == 0 &&
			t[b[i+8]]&t[b[i+9]]&t[b[i+10]]&t[b[i+11]] == 0 && !wrapBreak(b, i+8) {
			i += 8
			continue
		}
		s := i
		for s > from && b64val[b[s-1]] != 0xff {
			s--
		}
		e, chars := runEnd(b, s)
		i = max(e, i+8)
		lastEnd = e
		if chars < minRun || near != nil && !covers(near, s, e) {
			if c.cut && e == len(b) {
				keep(s) // short yet: the next window has more of it
			}
			continue
		}
		open := c.cut && onlyPadding(b[e:])
		c.run(b[s:e], s, e, depth, chain, open, emit, keep)
		if c.err != nil {
			return
		}
	}
	if c.cut && lastEnd != len(b) {
		// A run the window's end cut, too short yet for the loop above:
		// the next window starts at it.
		s := len(b)
		for s > from && b64val[b[s-1]] != 0xff {
			s--
		}
		if s < len(b) {
			keep(s)
		}
	}
}

// wrapBreak reports whether a line break lies among the four bytes from
// b[i] on: a run may go on past it on the next line.
func wrapBreak(b []byte, i int) bool {
	return b[i] == '\n' || b[i] == '\r' || b[i+1] == '\n' || b[i+1] == '\r' || b[i+2] == '\n' || b[i+3] == '\n'
}

// onlyPadding reports whether b holds nothing but base64 padding and
// blanks: a run followed by it may go on in the next window.
func onlyPadding(b []byte) bool {
	for _, c := range b {
		if c != '=' && c != '\n' && c != '\r' && c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// runEnd returns the end of the run of base64 characters that starts at s,
// taking in line breaks that follow at least wrapCols characters, and the
// count of its characters.
func runEnd(b []byte, s int) (e, chars int) {
	e, seg := s, 0
	t := &b64c8
	for e < len(b) {
		// Eight characters at a time while all are base64: a long run
		// costs a load per byte and no branch on each.
		for e+8 <= len(b) && t[b[e]]&t[b[e+1]]&t[b[e+2]]&t[b[e+3]]&t[b[e+4]]&t[b[e+5]]&t[b[e+6]]&t[b[e+7]] != 0 {
			e, seg, chars = e+8, seg+8, chars+8
		}
		if e >= len(b) {
			break
		}
		c := b[e]
		if b64val[c] != 0xff {
			e++
			seg++
			chars++
			continue
		}
		if seg >= wrapCols {
			// A wrapped line; the next may be indented (YAML, PEM in
			// a manifest).
			k := e
			if c == '\r' && k+1 < len(b) {
				k++
			}
			if b[k] == '\n' {
				k = skipBlanks(b, k+1)
				if k < len(b) && b64val[b[k]] != 0xff {
					e, seg = k, 0
					continue
				}
			}
		}
		break
	}
	return e, chars
}

// run decodes one run [s, e) of b.
func (c *viewCtx) run(r []byte, s, e, depth int, chain string, open bool, emit func(hit), keep func(int)) {
	sc := &c.scr[depth]
	if r[0] <= 'Z' && isBase32(r) {
		if head := decodeBase32(r[:min(len(r), 96)], sc.out[:0]); looksText(head) || compressed(head) {
			if open {
				keep(s + b32From(r, len(r)-c.reach))
			}
			sc.out = decodeBase32(r, sc.out[:0])
			c.whole(sc.out, s, e, 8, 5, depth, chain+"/"+EncBase32, open, emit)
			return
		}
	}
	// A head that holds a character no hex digit and one no lower-case
	// letter makes the run base64 whatever follows: when the head
	// decodes to binary, the run is left without a pass over the rest
	// (most long runs in layers are base64 of binary).
	var acc uint8
	for _, ch := range r[:min(len(r), 88)] {
		acc |= runClass[ch]
	}
	if acc&6 == 6 {
		if head := decodeBase64(r[:min(len(r), 88)], sc.out[:0]); !looksText(head) && !compressed(head) {
			if open {
				keep(s + alignedFrom(r, len(r)-c.reach))
			}
			return
		}
	}
	n := 0
	for _, ch := range r {
		k := runClass[ch]
		acc |= k
		n += int(k & 1)
	}
	hexOnly, lower := acc&2 == 0, acc&4 == 0
	if lower && !hexOnly {
		if open {
			keep(s + alignedFrom(r, len(r)-c.reach))
		}
		return // a long identifier, not an encoding
	}
	// A run that decodes to binary (a certificate, an image, random
	// bytes) is a payload, not text that escapes or encodes a value
	// again: the fast path's base64 and hex forms of every fragment, at
	// every alignment, find a value raw inside it. Only text and
	// compressed streams are decoded whole.
	var head []byte
	if hexOnly && n%2 == 0 {
		k := min(len(r), 128)
		for k < len(r) && b64val[r[k-1]] == 0xff {
			k++
		}
		sc.out = sc.out[:0]
		for _, ch := range r[:k] {
			if hexval[ch] != 0xff {
				sc.out = append(sc.out, ch)
			}
		}
		head = decodeHexRun(sc.out[:len(sc.out)&^1], sc.out[:0])
	} else if !hexOnly {
		head = decodeBase64(r[:min(len(r), 88)], sc.out[:0])
	}
	if len(head) > 0 && !looksText(head) && !compressed(head) {
		if open {
			keep(s + alignedFrom(r, len(r)-c.reach))
		}
		return
	}
	var enc string
	if hexOnly && n%2 == 0 {
		enc = EncHex
		sc.out = sc.out[:0]
		for _, ch := range r {
			if hexval[ch] != 0xff {
				sc.out = append(sc.out, ch)
			}
		}
		sc.out = decodeHexRun(sc.out, sc.out[:0])
	} else if !hexOnly {
		enc = EncBase64
		sc.out = decodeBase64(r, sc.out[:0])
	} else {
		if open {
			keep(s + alignedFrom(r, len(r)-c.reach)) // an odd count of hex digits: more to come
		}
		return
	}
	if open {
		// The next window decodes the run again from a point the same
		// number of characters mod 4 from its start, or from its start
		// when it holds a compressed stream (which only decodes whole).
		if compressed(sc.out) {
			keep(s)
		} else {
			keep(s + alignedFrom(r, len(r)-c.reach))
		}
	}
	// Offsets map at the encoding's fixed ratio (line breaks aside), so a
	// match maps to the same place whichever window decodes it.
	num, den := 4, 3
	if enc == EncHex {
		num, den = 2, 1
	}
	c.whole(sc.out, s, e, num, den, depth, chain+"/"+enc, open, emit)
}

// runClass classes the bytes of runs: bit 0 a base64 character, bit 1 one
// that is no hex digit, bit 2 one that is no lower-case letter, '-' or '_'.
var runClass = func() (t [256]uint8) {
	for c := range 256 {
		if b64val[c] == 0xff {
			continue
		}
		t[c] = 1
		if hexval[c] == 0xff {
			t[c] |= 2
		}
		if !(c >= 'a' && c <= 'z' || c == '-' || c == '_') {
			t[c] |= 4
		}
	}
	return t
}()

// b64c8 is 1 for a base64 character of either alphabet (no padding), 0
// otherwise.
var b64c8 = func() (t [256]uint8) {
	for c := range 256 {
		if b64val[c] != 0xff {
			t[c] = 1
		}
	}
	return t
}()

// alignedFrom returns the first index >= at of r whose count of base64
// characters before it is a multiple of 4 (0 when at <= 0).
func alignedFrom(r []byte, at int) int {
	if at <= 0 {
		return 0
	}
	n := 0
	for i, ch := range r {
		if i >= at && n%4 == 0 && b64val[ch] != 0xff {
			return i
		}
		if b64val[ch] != 0xff {
			n++
		}
	}
	return 0
}

// compressed reports whether b starts like a gzip or zlib stream.
func compressed(b []byte) bool {
	if len(b) >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8 {
		return true
	}
	return len(b) >= 2 && b[0]&0x0f == 8 && b[0]>>4 <= 7 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0
}

// whole scans out, the decoding of every byte of b[s:e]: its matches map
// back to b at num/den bytes of b per decoded byte (proportionally when
// den is 0).
func (c *viewCtx) whole(out []byte, s, e, num, den, depth int, chain string, open bool, emit func(hit)) {
	if len(out) < MinValue || !c.spend(len(out)) {
		return
	}
	if den == 0 {
		num, den = e-s, len(out)
	}
	toParent := func(lo, hi int) (int, int) {
		return min(e, s+lo*num/den), min(e, s+(hi*num+den-1)/den)
	}
	if compressed(out) {
		c.inflate(out, open, depth, chain, func(h hit) { h.lo, h.hi = s, e; emit(h) })
	}
	c.child(out, nil, 0, depth, chain, toParent, emit)
}

// inflate scans the gzip or zlib stream at the start of b. One that does
// not decode makes the scan incomplete, unless b was cut short by the end
// of the window (the next window decodes it again).
func (c *viewCtx) inflate(b []byte, open bool, depth int, chain string, emit func(hit)) {
	var r io.Reader
	var err error
	name := "gzip"
	if b[0] == 0x1f {
		r, err = gzip.NewReader(bytes.NewReader(b))
	} else {
		name = "zlib"
		r, err = zlib.NewReader(bytes.NewReader(b))
	}
	var out []byte
	if err == nil {
		lim := min(maxInflate, c.budget)
		out, err = io.ReadAll(io.LimitReader(r, int64(lim)+1))
		if len(out) > lim {
			c.fail("a %s stream inside an encoded run inflates past %d bytes", name, lim)
			return
		}
	}
	// A stream the window's end cut short reads to an unexpected EOF:
	// the next window decodes it again. Any other error is corrupt data.
	// zlib's 2-byte header starts one random run in a thousand: a zlib
	// stream is scanned as far as it decodes. gzip's magic is 3 bytes.
	if err != nil && !(open && errors.Is(err, io.ErrUnexpectedEOF)) && name == "gzip" {
		c.fail("a %s stream inside an encoded run does not decode", name)
		return
	}
	if len(out) == 0 || !c.spend(len(out)) {
		return
	}
	c.child(out, nil, 0, depth, chain+"/"+name, func(int, int) (int, int) { return 0, 0 }, emit)
}

// child scans a decoded buffer: for the patterns (a match must cover one
// of marks, if there are any) and, one level deeper, for more views.
func (c *viewCtx) child(out []byte, marks []mark, dialect, depth int, chain string, toParent func(lo, hi int) (int, int), emit func(hit)) {
	sc := &c.scr[depth+1]
	c.after[depth+1] = dialect
	sc.uw.reset()
	// Binary (a decoded key, random bytes that happened to look like
	// base64) holds no wrapped lines and no escapes: only runs.
	text := looksText(out)
	v := out
	if text {
		v = sc.uw.filter(out, 0)
	}
	// v's offsets map to out's through the unwrap view's drops.
	toOut := func(lo, hi int) (int, int) {
		l, n := sc.uw.toStream(int64(lo), hi-lo)
		return int(l), int(l) + n
	}
	c.m.find(v, func(pat int32, off int) {
		lo, hi := toOut(off, off+len(c.m.pats[pat].b))
		if marks != nil && !covers(marks, lo, hi) {
			return
		}
		plo, phi := toParent(lo, hi)
		emit(hit{pat: pat, lo: plo, hi: phi, enc: chain})
	})
	var near []mark
	if marks != nil {
		near = marks
	}
	c.scan(v, 0, depth+1, chain, near, !text, func(h hit) {
		lo, hi := toOut(h.lo, h.hi)
		h.lo, h.hi = toParent(lo, hi)
		emit(h)
	})
}

// looksText reports whether b starts like text: no control bytes in its
// first 64.
func looksText(b []byte) bool {
	for _, c := range b[:min(len(b), 64)] {
		if !isText(c) {
			return false
		}
	}
	return true
}

// covers reports whether [lo, hi) holds a decoded byte of one of marks
// (or the place of one that decoded to nothing).
func covers(marks []mark, lo, hi int) bool {
	i, _ := slices.BinarySearchFunc(marks, lo, func(m mark, t int) int {
		if m.decEnd > t || m.decEnd == m.dec && m.dec >= t {
			return 1
		}
		return -1
	})
	return i < len(marks) && marks[i].dec < hi
}

// mapMarks maps decoded [lo, hi) to the region's bytes through marks.
func mapMarks(marks []mark, lo, hi int) (int, int) {
	at := func(d int, end bool) int {
		i, _ := slices.BinarySearchFunc(marks, d, func(m mark, t int) int {
			if m.dec < t || end && m.dec == t && m.decEnd < t {
				return -1
			}
			return 1
		})
		// marks[i-1] is the last mark starting before d.
		if i == 0 {
			return d
		}
		m := marks[i-1]
		switch {
		case d >= m.decEnd:
			return m.encEnd + d - m.decEnd
		case end:
			return m.encEnd
		}
		return m.enc
	}
	return at(lo, false), at(hi, true)
}
