package pattern

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// Escaped regions. An escape is found by its first byte (a backslash, a
// percent sign, an ampersand, a doubled quote) and checked to be one; the
// region around it is the text (no control bytes) within reach on either
// side, merged with its neighbours' regions. Each dialect whose escapes
// the region holds decodes the whole region: a secret escaped anywhere in
// it is then in the decoded bytes, and its match covers a mark.

// Dialects, as bits of a region's set.
const (
	dBackslash = 1 << iota
	dPercent
	dPlus // percent-encoding with '+' for a space
	dEntity
	dQuotes
)

var dialects = []struct {
	bit  int
	name string
}{
	{dBackslash, EncEscape}, {dPercent, EncURL}, {dPlus, EncURL}, {dEntity, EncEntity}, {dQuotes, EncQuotes},
}

// Encodings only the views decode (EncBase64, EncHex and EncURL are also
// views' names).
const (
	// EncEscape is a backslash escape: JSON, C, Python, Perl, PHP, Java,
	// shell, properties.
	EncEscape = "escape"
	// EncEntity is an HTML or XML character reference.
	EncEntity = "entity"
	// EncQuotes is a quote doubled (CSV, INI, SQL).
	EncQuotes = "quotes"
)

// escapeNext holds the bytes that may follow a backslash in an escape.
var escapeNext = func() (t [256]bool) {
	for _, c := range []byte("ntrbfvae'\"\\/xuU01234567:= \n#!$`?{}[]()") {
		t[c] = true
	}
	return t
}()

// isText is false for the control bytes that do not occur in text.
func isText(c byte) bool { return c >= 0x20 && c != 0x7f || c == '\t' || c == '\n' || c == '\r' }

type trigger struct{ at, bit int }

// escapes decodes the escaped regions of b whose escapes lie at or after
// from.
func (c *viewCtx) escapes(b []byte, from, depth int, chain string, near []mark, emit func(hit), keep func(int)) {
	sc := &c.scr[depth]
	trig := sc.trig[:0]
	// An escape that straddles the previous window's end is looked for
	// again; one cut by this window's end is the next window's.
	from = max(0, from-escLookback)
	// Each search yields its triggers in order: the lists are merged,
	// not sorted (dense escapes make thousands per window).
	var ends [6]int
	for n, e := range []byte{'\\', '%', '&'} {
		for i := from; ; {
			k := bytes.IndexByte(b[i:], e)
			if k < 0 {
				break
			}
			t := i + k
			i = t + 1
			switch ok, more := escapeAt(b, t); {
			case ok:
				trig = append(trig, t)
			case more && c.cut:
				keep(textFrom(b, t, c.reach))
			}
		}
		ends[n] = len(trig)
	}
	// Doubled quotes ("", '', not overlapping) and '"'"'. bytes.Index
	// turns to a vector search for the pair where quotes are dense (JSON).
	for n, q := range []string{`""`, `''`, `'"'"'`} {
		for i := from; ; {
			k := bytes.Index(b[i:], []byte(q))
			if k < 0 {
				break
			}
			trig = append(trig, i+k)
			i += k + 2
		}
		ends[3+n] = len(trig)
	}
	if c.cut && len(b) > 0 && (b[len(b)-1] == '"' || b[len(b)-1] == '\'') {
		keep(textFrom(b, len(b)-1, c.reach))
	}
	if len(trig) == 0 {
		sc.trig = trig
		return
	}
	sc.merged = mergeRuns(sc.merged[:0], trig, ends[:])
	sc.trig, trig = trig, sc.merged
	// Only the escapes that can be part of a finding make regions, as
	// wide as the longest pattern that can cover them needs.
	n := 0
	reach := sc.reach[:0]
	sc.local.hi = 0 // a window of another buffer
	// Where escapes are dense (escaped JSON, a C string table), or most
	// pass the gate, it only costs: with more than one escape in 64
	// bytes, or past 64 escapes with more than half through, every
	// escape and mark is taken.
	sc.gateOff = len(trig) > (len(b)-from)/64
	for k, t := range trig {
		if sc.gateOff {
			trig[n] = t
			n++
			reach = append(reach, c.reach)
			continue
		}
		if c.trigUseful(b, t, sc) {
			trig[n] = t
			n++
			reach = append(reach, c.gateReach(b, t))
		}
		sc.gateOff = k >= 64 && 2*n > k
	}
	trig, sc.reach = trig[:n], reach
	// Regions, in order; each decoded by the dialects it holds.
	nm := 0 // near's first mark not wholly before the trigger
	for i := 0; i < len(trig); {
		lo := textFrom(b, trig[i], reach[i])
		hi := textTo(b, trig[i], reach[i])
		j := i + 1
		for j < len(trig) && trig[j] < hi {
			// The text is contiguous up to hi: extend from there.
			if lim := min(len(b), trig[j]+reach[j]); lim > hi && hi < len(b) && isText(b[hi-1]) {
				hi = textTo(b, hi, lim-hi)
			}
			j++
		}
		set := 0
		after := c.after[depth]
		for _, t := range trig[i:j] {
			d := dialectAt(b, t)
			if after != 0 {
				// Later dialects only, unless the parent's decoding
				// made the escape (%5Cu00e4, \\u00e4): then any. The
				// triggers are in order: a cursor over near finds the
				// mark.
				for nm < len(near) && near[nm].decEnd-1 < t {
					nm++
				}
				keep := ^(after<<1 - 1)
				if nm < len(near) && near[nm].dec <= t {
					keep = -1
				}
				d &= keep
			}
			set |= d
		}
		i = j
		if !c.nearMarks(near, lo, hi) {
			continue
		}
		if c.cut && hi == len(b) {
			// Decoded again from within reach of the end: a match
			// longer than reach cannot be, and a long run of escaped
			// text is not held whole.
			keep(max(lo, len(b)-c.reach))
		}
		for _, d := range dialects {
			if set&d.bit == 0 {
				continue
			}
			c.region(b[lo:hi], lo, d.bit, depth, chain+"/"+d.name, c.cut && hi == len(b), emit)
			if c.err != nil {
				return
			}
		}
	}
}

// mergeRuns appends to out the ascending runs of v that end at ends,
// merged in order.
func mergeRuns(out, v []int, ends []int) []int {
	var at [8]int
	for k := 1; k < len(ends); k++ {
		at[k] = ends[k-1]
	}
	for {
		best := -1
		for k := range ends {
			if at[k] < ends[k] && (best < 0 || v[at[k]] < v[at[best]]) {
				best = k
			}
		}
		if best < 0 {
			return out
		}
		out = append(out, v[at[best]])
		at[best]++
	}
}

// escLookback is how far before a window's new bytes escapes are looked
// for: the longest escape start a Write can cut ('"'"').
const escLookback = 8

// escapeAt reports whether b[t] ('\\', '%' or '&') starts an escape, and
// whether b ends too soon to tell.
func escapeAt(b []byte, t int) (ok, more bool) {
	switch b[t] {
	case '\\':
		if t+1 >= len(b) {
			return false, true
		}
		return escapeNext[b[t+1]], false
	case '%':
		if t+2 >= len(b) {
			return false, true
		}
		return hexval[b[t+1]] != 0xff && hexval[b[t+2]] != 0xff || b[t+1] == 'u' || b[t+1] == 'U', false
	}
	// A reference ends in ';' within a few bytes (&amp; &#x1F600;).
	end := min(len(b), t+34)
	k := bytes.IndexByte(b[t+1:end], ';')
	if k < 0 {
		return false, end == len(b)
	}
	c := b[t+1]
	return k > 0 && (c == '#' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'), false
}

// dialectAt is the dialect of the escape at b[t].
func dialectAt(b []byte, t int) int {
	switch b[t] {
	case '\\':
		return dBackslash
	case '%':
		if bytes.IndexByte(b[t:min(len(b), t+256)], '+') >= 0 {
			return dPercent | dPlus
		}
		return dPercent
	case '&':
		return dEntity
	}
	return dQuotes
}

// region decodes b (at lo in its buffer) in one dialect and scans the
// result.
func (c *viewCtx) region(b []byte, lo, d, depth int, chain string, cut bool, emit func(hit)) {
	sc := &c.scr[depth]
	out, marks := sc.out[:0], sc.marks[:0]
	switch d {
	case dBackslash:
		out, marks = decodeBackslash(b, out, marks)
	case dPercent, dPlus:
		out, marks = decodePercent(b, d == dPlus, out, marks)
	case dEntity:
		out, marks = decodeEntities(b, out, marks)
	case dQuotes:
		out, marks = decodeQuotes(b, out, marks)
	}
	sc.out, sc.marks = out, marks
	// The level below looks only near the marks the gate lets through;
	// offsets map through all of them.
	useful := marks
	if !sc.gateOff {
		useful = sc.useful[:0]
		for _, m := range marks {
			if c.useful(out, m.dec, m.decEnd, cut) {
				useful = append(useful, m)
			}
		}
		sc.useful = useful
	}
	if len(useful) == 0 || !c.spend(len(out)) {
		return
	}
	c.child(out, useful, d, depth, chain, func(l, h int) (int, int) {
		l, h = mapMarks(marks, l, h)
		return lo + l, lo + h
	}, emit)
}

// textFrom is the start of the text around b[t], at most reach before it.
func textFrom(b []byte, t, reach int) int {
	lim := max(0, t-reach)
	for t-8 >= lim && allText(binary.LittleEndian.Uint64(b[t-8:])) {
		t -= 8
	}
	for t > lim && isText(b[t-1]) {
		t--
	}
	return t
}

// allText reports whether the eight bytes of w are all text (isText),
// without a branch per byte: per-byte masks of the bytes >= 0x20, of tab,
// LF and CR, and of DEL, exact because no byte's sum carries into the
// next.
func allText(w uint64) bool {
	const lo, hi, low7 = 0x0101010101010101, 0x8080808080808080, 0x7f7f7f7f7f7f7f7f
	eq := func(c uint64) uint64 {
		z := w ^ c*lo
		return ^((z&low7 + low7) | z) & hi
	}
	ge := ((w&low7 + 0x60*lo) | w) & hi
	return ^ge&hi&^(eq('\t')|eq('\n')|eq('\r')) == 0 && eq(0x7f) == 0
}

// textTo is the end of the text around b[t], at most reach after it.
func textTo(b []byte, t, reach int) int {
	lim := min(len(b), t+reach)
	for t+8 <= lim && allText(binary.LittleEndian.Uint64(b[t:])) {
		t += 8
	}
	for t < lim && isText(b[t]) {
		t++
	}
	return t
}

// sepHex decodes hex written with separators: C arrays (0x41, 0x42),
// colon lists (openssl's -text output), and xxd and hexdump -C dumps.
// Plain runs are runs'; \x41 escapes are the backslash dialect's.
func (c *viewCtx) sepHex(b []byte, from, depth int, chain string, near []mark, emit func(hit), keep func(int)) {
	sc := &c.scr[depth]
	trig := sc.trig[:0]
	from = max(0, from-escLookback)
	for i := from; ; {
		// Node's util.inspect of a Buffer: <Buffer 67 68 70>.
		k := bytes.Index(b[i:], []byte("<Buffer "))
		if k < 0 {
			break
		}
		i += k + 8
		trig = append(trig, i)
	}
	for i := from + 1; i <= len(b); {
		// "0x" by its 'x', rarer than '0' in hex and digits.
		k := bytes.IndexByte(b[i:], 'x')
		if k < 0 {
			break
		}
		i += k + 1
		if b[i-2] == '0' && i < len(b) && hexval[b[i]] != 0xff && (i == 2 || !isWordByte(b[i-3])) {
			trig = append(trig, i-2)
		}
	}
	for i := from; ; {
		k := bytes.IndexByte(b[i:], ':')
		if k < 0 {
			break
		}
		t := i + k
		i = t + 1
		if t >= 2 && t+3 < len(b) && hexval[b[t-2]] != 0xff && hexval[b[t-1]] != 0xff &&
			hexval[b[t+1]] != 0xff && hexval[b[t+2]] != 0xff && b[t+3] == ':' {
			s, lim := t-2, max(0, t-c.reach)
			for s > lim && colonHex(b[s-1]) {
				s--
			}
			trig = append(trig, s)
			// The rest of the list is this trigger's.
			for i < len(b) && colonHex(b[i]) {
				i++
			}
		} else if t+1 < len(b) && (b[t+1] == ' ') && dumpOffset(b, t) {
			trig = append(trig, lineStart(b, t))
		}
	}
	for i := from; ; {
		// hexdump -C's offset column; bytes.Index turns to a vector
		// search where '0' is frequent (hex).
		k := bytes.Index(b[i:], []byte("0  "))
		if k < 0 {
			break
		}
		i += k + 3
		if dumpOffset(b, i-2) {
			trig = append(trig, lineStart(b, i-2))
		}
	}
	// od's dumps ("0000020 67 68 ..." and, with -An, " 67 68 ..."): a
	// line of one holds 16 bytes in 48 characters, so a sample every
	// 32 bytes lands where nine of them follow in the same line.
	for i := from; i+9+2 <= len(b); i += 32 {
		for p := i; p < i+3; p++ {
			if b[p] == ' ' && spacedHex(b[p:]) {
				ls := p
				for ls > max(0, p-64) && b[ls-1] != '\n' && b[ls-1] != 0 {
					ls--
				}
				trig = append(trig, ls)
				break
			}
		}
	}
	sc.trig = trig
	if len(trig) == 0 {
		return
	}
	slices.Sort(trig)
	done := -1
	for _, t := range trig {
		if t < done {
			continue
		}
		out, n, stop := decodeSepHex(b[t:], sc.out[:0])
		sc.out = out
		done = t + n
		// Open when the notation runs to the window's end (a dump's
		// text column may follow its last bytes): the next window
		// decodes again from a line start within reach (a dump, an
		// array and a colon list decode from any line), or from a
		// separator on a long line.
		stop += t
		open := c.cut && len(b)-stop < 24
		if open {
			at := max(0, len(b)-c.reach)
			if ls := lineStart(b, at); ls >= at-c.reach {
				at = ls
			} else if k := bytes.IndexAny(b[at:], ", :"); k >= 0 {
				at += k
			}
			keep(max(t, at))
		}
		if len(out) < MinValue || !c.nearMarks(near, t, t+n) {
			continue
		}
		c.whole(out, t, t+n, 0, 0, depth, chain+"/"+EncHex, open, emit)
		if c.err != nil {
			return
		}
	}
}

// dumpOffset reports whether the 7 or 8 bytes before b[t] are hex digits
// that start a line: a dump's offset column.
func dumpOffset(b []byte, t int) bool {
	s := t
	for s > 0 && t-s < 9 && hexval[b[s-1]] != 0xff {
		s--
	}
	d := t - s
	return (d == 7 || d == 8) && (s == 0 || b[s-1] == '\n')
}

// colonHex is true for the bytes of a colon list of hex bytes.
func colonHex(c byte) bool {
	return hexval[c] != 0xff || c == ':' || c == ' ' || c == '\t' || c == '\n'
}

func lineStart(b []byte, t int) int {
	for t > 0 && b[t-1] != '\n' {
		t--
	}
	return t
}

// octalRun reports whether b is seven octal digits.
func octalRun(b []byte) bool {
	if len(b) != 7 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '7' {
			return false
		}
	}
	return true
}

// spacedHex reports whether b starts with three bytes written as od
// writes them: " 67 68 70".
func spacedHex(b []byte) bool {
	if len(b) < 9 {
		return false
	}
	for k := 0; k < 9; k += 3 {
		if b[k] != ' ' || hexval[b[k+1]] == 0xff || hexval[b[k+2]] == 0xff {
			return false
		}
	}
	return true
}
