package pattern

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math/bits"
	"slices"
)

// The views' gate. Plain text is full of escapes that decode to nothing a
// finding could hold: "\n" and "\"" in source code, "" in CSV and Python,
// &lt; in HTML, %02x in format strings. Decoding the region around each
// and scanning the result again, level by level, cost the views 90 % of
// their time on a Python tree or node_modules. A view's finding covers a
// byte the view transformed (a mark), so an escape is worth decoding only
// when its decoded bytes can be part of one:
//
//   - in a pattern: a match of at least q bytes that covers a decoded
//     byte holds one of the q-grams around it, and every q-gram of every
//     pattern is in the matcher's gram set (a bit array: a false "yes"
//     only costs a decode);
//   - in a further escape (a decoded '\\', '%' or '&' that starts one, a
//     quote next to a quote);
//   - in a base64 or hex run long enough to be decoded (minRun), or as a
//     line break that may join a wrapped run.
//
// Where an escape of any dialect lies close enough to change the q-grams
// around the mark at a later level, the gate says yes: it decides on
// bytes that are final, or decodes. The gate is checked for each escape
// before its region is decoded (on the bytes around it, decoding only the
// uncommon escapes), and again for each mark after the region is decoded,
// so that the level below only looks near marks that can matter.

// gramSet holds the hashed grams of the patterns. A match of at least
// 2k-1 bytes that covers a byte holds the k-gram that ends at it or the
// one that starts at it, so two look-ups per table decide a mark: one
// table of the 4-grams (fewer when the shortest pattern is shorter than
// 7) of the short patterns, one of the 8-grams of the long ones (whose
// matches need the views' full reach around a mark). The whole value of a
// kubeconfig or a docker config.json is a long pattern full of the grams
// of ordinary text ("\n    ", "\": \""): eight bytes tell them apart.
type gramSet struct {
	k     int // of the short patterns' grams
	short []uint64
	long  []uint64
	sh    uint32 // 64 - log2 of the tables' bits
}

// shortPat is the longest pattern of the short table: its escaped form
// lies within shortReach of the mark.
const (
	shortPat   = 128
	shortReach = 3 * shortPat
	longK      = 8
)

func newGramSet(pats []pattern) gramSet {
	minLen := 8
	n := 0
	for _, p := range pats {
		minLen = min(minLen, len(p.b))
		n += len(p.b)
	}
	// About 64 bits per gram, at most 2^22 a table (512 KiB): two
	// look-ups cost less than the decoding a false yes costs.
	lg := min(max(bits.Len(uint(n))+6, 12), 22)
	gs := gramSet{k: max(1, min(4, (minLen+1)/2)), sh: uint32(64 - lg)}
	gs.short, gs.long = make([]uint64, 1<<lg/64), make([]uint64, 1<<lg/64)
	for _, p := range pats {
		t, k := gs.short, gs.k
		if len(p.b) > shortPat {
			t, k = gs.long, longK
		}
		for i := 0; i+k <= len(p.b); i++ {
			h := gs.hash(p.b[i:], k)
			t[h>>6] |= 1 << (h & 63)
		}
	}
	return gs
}

func (gs *gramSet) hash(b []byte, k int) uint64 {
	var w uint64
	if len(b) >= 8 {
		w = binary.LittleEndian.Uint64(b)
	} else {
		for i := min(len(b), 8) - 1; i >= 0; i-- {
			w = w<<8 | uint64(b[i])
		}
	}
	w &= ^uint64(0) >> (64 - 8*k)
	return (w * 0x9E3779B97F4A7C15) >> gs.sh
}

func (gs *gramSet) in(t []uint64, b []byte, k int) bool {
	h := gs.hash(b, k)
	return t[h>>6]&(1<<(h&63)) != 0
}

// Why the gate said yes (viewCtx.gram): a gram of a short pattern only, a
// long pattern's gram, or (0) anything else.
const (
	gramShort = 1
	gramLong  = 2
)

// gateReach is how far around an escape at b[t] its region must reach:
// for a mark only short patterns can cover, shortReach; for one a long
// pattern can, the longest pattern plus what the escapes around add to
// it; otherwise the views' reach.
func (c *viewCtx) gateReach(b []byte, t int) int {
	switch c.gram {
	case gramShort:
		return min(c.reach, shortReach)
	case gramLong:
		grow := 11 // \x{10FFFF} is 10 bytes longer than its rune
		switch b[t] {
		case '&':
			grow = 33
		case '%':
			grow = 5
		case '"', '\'':
			grow = 4
		}
		// Counted once for the escapes within 256 bytes of each other
		// (a cluster), widened by those 256 bytes.
		if c.lastReach.b == &b[0] && t-c.lastReach.t < 256 && t >= c.lastReach.t {
			return c.lastReach.r
		}
		lo, hi := max(0, t-c.reach), min(len(b), t+c.reach+256)
		r := min(c.reach, c.m.maxLen+256+grow*bytes.Count(b[lo:hi], b[t:t+1]))
		c.lastReach.b, c.lastReach.t, c.lastReach.r = &b[0], t, r
		return r
	}
	return c.reach
}

// gateNear is how far before a mark an escape may start and still end
// within q-1 bytes of it (\U0001F600 is 10 bytes); an entity's ';' is
// looked for instead.
const gateNear = 12

// useful reports whether the mark [lo, hi) of out (the decoding of one
// escape; hi == lo when it decoded to nothing) can be part of a finding.
// cut says out ends before the data does.
func (c *viewCtx) useful(out []byte, lo, hi int, cut bool) bool {
	c.gram = 0
	return c.usefulN(out, lo, hi, cut, 4)
}

func (c *viewCtx) usefulN(out []byte, lo, hi int, cut bool, nest int) bool {
	if cut && hi+8 > len(out) {
		return true // what follows decides: the next window's
	}
	for i := lo; i < hi; i++ {
		switch ch := out[i]; ch {
		case '\\', '%', '&':
			// A decoded escape: the gate of what it decodes to.
			if ok, more := escapeAt(out, i); more || ok && c.nested(out, i, cut, nest) {
				return true
			}
		case '"', '\'':
			// A decoded quote next to one: the gate of the pair as one.
			if i+1 < len(out) && out[i+1] == ch && c.collapsed(out, i, i+2, ch, cut, nest) ||
				i > 0 && out[i-1] == ch && c.collapsed(out, i-1, i+1, ch, cut, nest) {
				return true
			}
		}
	}
	if escapeNear(out, lo, hi) || c.inRun(out, lo, hi) {
		return true
	}
	// The grams that end or start at a decoded byte (for an escape that
	// decoded to nothing, at the bytes either side of it).
	gs := &c.m.grams
	from, to := lo, hi
	if hi == lo {
		from, to = lo-1, lo+1
	}
	hit := false
	for p := max(0, from); p < min(to, len(out)); p++ {
		for _, s := range [2]int{p - longK + 1, p} {
			if s >= 0 && s+longK <= len(out) && gs.in(gs.long, out[s:], longK) {
				c.gram = gramLong
				return true
			}
		}
		for _, s := range [2]int{p - gs.k + 1, p} {
			if s >= 0 && s+gs.k <= len(out) && gs.in(gs.short, out[s:], gs.k) {
				hit = true
			}
		}
	}
	if hit {
		c.gram = gramShort
	}
	return hit
}

// escapeNear reports whether an escape still in out ends within q-1 bytes
// before lo or starts within q-1 bytes after hi: decoded at a later level,
// it changes the mark's q-grams.
func escapeNear(out []byte, lo, hi int) bool {
	for s := max(0, lo-gateNear); s < lo; s++ {
		switch out[s] {
		case '\\', '%':
			if ok, more := escapeAt(out, s); (ok || more) && s+escLen(out, s) > lo-q {
				return true
			}
		case ';':
			if s > lo-q && entityBefore(out, s) {
				return true
			}
		case '"', '\'':
			if s > lo-q && s+1 < len(out) && out[s+1] == out[s] {
				return true
			}
		}
	}
	for s := hi; s < min(len(out), hi+q-1); s++ {
		switch ch := out[s]; ch {
		case '\\', '%', '&':
			if ok, more := escapeAt(out, s); ok || more {
				return true
			}
		case '"', '\'':
			if s+1 < len(out) && out[s+1] == ch {
				return true
			}
		}
	}
	return false
}

// escLen is the most bytes the escape at out[s] can take ('\\' or '%').
func escLen(out []byte, s int) int {
	if s+1 >= len(out) {
		return 2
	}
	switch out[s+1] {
	case 'x', '0', '1', '2', '3', '4', '5', '6', '7':
		return 4
	case 'u':
		return 6
	case 'U':
		return 10
	}
	return 3
}

// entityBefore reports whether the ';' at out[s] ends a character
// reference.
func entityBefore(out []byte, s int) bool {
	for i := s - 1; i >= max(0, s-33); i-- {
		if out[i] == '&' {
			return i < s-1
		}
		if !isWordByte(out[i]) && out[i] != '#' {
			return false
		}
	}
	return false
}

// nested is the gate of the escape a decoded byte out[i] starts, decoded
// where it is one of the common ones.
func (c *viewCtx) nested(out []byte, i int, cut bool, nest int) bool {
	if nest == 0 || i+1 >= len(out) {
		return true
	}
	var x byte
	end := -1
	switch out[i] {
	case '\\':
		if v := simpleEsc[out[i+1]]; v != 0 {
			x, end = v, i+2
		}
	case '%':
		if i+2 < len(out) && hexval[out[i+1]] != 0xff && hexval[out[i+2]] != 0xff {
			if v := hexval[out[i+1]]<<4 | hexval[out[i+2]]; v < 0x80 {
				x, end = v, i+3
			}
		}
	}
	if end < 0 {
		return true
	}
	return c.collapsed(out, i, end, x, cut, nest)
}

// collapsed is the gate of out with [i, end) decoded to the byte x.
func (c *viewCtx) collapsed(out []byte, i, end int, x byte, cut bool, nest int) bool {
	lo := max(0, i-minRun)
	var buf [2*minRun + 1]byte
	tmp := append(append(append(buf[:0], out[lo:i]...), x), out[end:min(len(out), end+minRun)]...)
	return c.usefulN(tmp, i-lo, i-lo+1, cut && end+minRun >= len(out), nest-1)
}

func isQuote(c byte) bool { return c == '"' || c == '\'' }

// inRun reports whether the mark [lo, hi) is part of a base64 or hex run
// the views would decode, or is a line break that may join the lines of a
// wrapped one. A run that reaches an escape may go on through it: yes.
func (c *viewCtx) inRun(out []byte, lo, hi int) bool {
	allRun := hi > lo
	brk := false
	for _, ch := range out[lo:hi] {
		if b64val[ch] == 0xff {
			allRun = false
			brk = brk || ch == '\n' || ch == '\r'
		}
	}
	if !allRun && !brk {
		return false
	}
	left, stopL := 0, byte(0)
	i := lo - 1
	for ; i >= 0 && left < minRun; i-- {
		if b64val[out[i]] == 0xff {
			stopL = out[i]
			break
		}
		left++
	}
	if stopL == ' ' || stopL == '\t' {
		// An indented line of a wrapped run: the line before decides.
		for i >= 0 && (out[i] == ' ' || out[i] == '\t') {
			i--
		}
		if i >= 0 && out[i] == '\n' {
			stopL = '\n'
		}
	}
	if brk {
		return left >= wrapCols || isEscStart(stopL)
	}
	right, stopR := 0, byte(0)
	for i := hi; i < len(out) && right < minRun; i++ {
		if b64val[out[i]] == 0xff {
			stopR = out[i]
			break
		}
		right++
	}
	return left+hi-lo+right >= minRun || isEscStart(stopL) || isEscStart(stopR) || stopL == '\n' && i > 0 && b64val[out[i-1]] != 0xff
}

func isEscStart(c byte) bool { return c == '\\' || c == '%' || c == '&' || c == ';' }

// simpleEsc is what a backslash and the byte after it decode to, for the
// escapes of one byte that stand for one byte (0 for the others, which
// the gate decodes in full).
var simpleEsc = func() (t [256]byte) {
	for k, v := range map[byte]byte{'n': '\n', 't': '\t', 'r': '\r', 'b': '\b', 'f': '\f', 'v': '\v', 'a': 7, 'e': 0x1b} {
		t[k] = v
	}
	for _, c := range []byte("\"/:= #!$`?{}[]()") {
		t[c] = c
	}
	return t
}()

// trigUseful is the gate for the escape at b[t] before its region is
// decoded: the common escapes are decoded here, the others in a small
// window around them. After a yes, c.gram says why.
func (c *viewCtx) trigUseful(b []byte, t int, sc *viewScratch) bool {
	c.gram = 0
	var x byte
	end := -1
	switch b[t] {
	case '\\':
		if t+1 < len(b) {
			if v := simpleEsc[b[t+1]]; v != 0 {
				x, end = v, t+2
			}
		}
	case '%':
		if t+2 < len(b) && hexval[b[t+1]] != 0xff && hexval[b[t+2]] != 0xff {
			if v := hexval[b[t+1]]<<4 | hexval[b[t+2]]; v < 0x80 {
				x, end = v, t+3
			}
		}
		// '+' for a space changes the bytes around.
		for i := max(0, t-q); i < min(len(b), t+6+q); i++ {
			if b[i] == '+' {
				return true
			}
		}
	case '"', '\'':
		if t+2 < len(b) && b[t+1] == b[t] && b[t+2] != b[t] {
			x, end = b[t], t+2
		}
	}
	if end < 0 || sameNear(b, t, end) {
		return c.localUseful(b, t, sc)
	}
	// The bytes around, raw: useful says yes where an escape among them
	// would change them.
	lo := max(0, t-minRun)
	var buf [2*minRun + 1]byte
	tmp := append(append(append(buf[:0], b[lo:t]...), x), b[end:min(len(b), end+minRun)]...)
	return c.useful(tmp, t-lo, t-lo+1, c.cut && end+minRun > len(b))
}

// localUseful decodes a small window around the escape at b[t] in its
// dialect and asks the gate about the escape's mark. Escapes come in
// clusters (a regular expression, a Windows path): the window is decoded
// once for the escapes of the same dialect that follow in it.
func (c *viewCtx) localUseful(b []byte, t int, sc *viewScratch) bool {
	g := &sc.local
	if !(g.ch == b[t] && g.hi > 0 && (t >= g.lo+2*gateNear || g.lo == 0) && (t+localAfter <= g.hi || g.hi == len(b))) {
		g.lo, g.hi, g.ch = max(0, t-2*gateNear), min(len(b), t+localSpan), b[t]
		w := b[g.lo:g.hi]
		out, marks := g.out[:0], g.marks[:0]
		switch b[t] {
		case '\\':
			out, marks = decodeBackslash(w, out, marks)
		case '%':
			out, marks = decodePercent(w, false, out, marks)
		case '&':
			out, marks = decodeEntities(w, out, marks)
		default:
			out, marks = decodeQuotes(w, out, marks)
		}
		g.out, g.marks = out, marks
	}
	if g.hi < len(b) && t+minRun > g.hi {
		return true
	}
	at := t - g.lo
	i, _ := slices.BinarySearchFunc(g.marks, at, func(m mark, t int) int { return cmp.Compare(m.encEnd, t+1) })
	if i < len(g.marks) && g.marks[i].enc <= at {
		m := g.marks[i]
		if m.encEnd+minRun > g.hi-g.lo && g.hi < len(b) {
			return true // a longer escape than the window holds
		}
		return c.useful(g.out, m.dec, m.decEnd, c.cut && g.hi == len(b))
	}
	return false // no escape after all ("%u " in a format string)
}

// localWin is a window localUseful decoded.
type localWin struct {
	lo, hi int
	ch     byte
	out    []byte
	marks  []mark
}

// localSpan is how far after an escape localUseful decodes; localAfter is
// the room after an escape a decoded window must still have.
const (
	localSpan  = 192
	localAfter = 48
)

// sameNear reports whether an escape of the dialect of the one at b[t:end]
// lies close enough before or after it to change its q-grams: then the
// gate decodes them all.
func sameNear(b []byte, t, end int) bool {
	ch := b[t]
	from := max(0, t-gateNear)
	if isQuote(ch) {
		from = max(0, t-q)
	}
	for i := from; i < t; i++ {
		if b[i] == ch {
			return true
		}
	}
	for i := end; i < min(len(b), end+q); i++ {
		if b[i] == ch {
			return true
		}
	}
	return false
}
