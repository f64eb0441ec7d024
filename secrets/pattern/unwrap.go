package pattern

import "bytes"

// Wrapped encodings. base64 wraps at 76 columns (so do Python's
// encodebytes, Java's MIME encoder, hand-written Kubernetes manifests),
// openssl and PEM at 64, xxd -p wraps hex at 60, and Windows tools end the
// lines with CRLF. A pattern longer than a line, or one that straddles a
// wrap, is then in no line whole. Rather than a pattern per wrap width and
// offset, the Stream scans a view of the data in which the line breaks
// inside such a block are dropped: a line that ends in wrapCols or more
// characters of the base64/hex alphabet ends, in the view, without its
// line break (and the next line starts without its indentation).
// Patterns that do not cross a break are in the view too, unchanged; a
// pattern that holds a line break of such a block does not (a whole PEM
// file): fragments adds the value as the view shows it.
//
// A text line that ends so (a path, a digest) is joined to the next in
// the view, where its own patterns still are. The cost is an IndexByte
// per line and the lookups up to a line's last blank or symbol; a wrapped
// block costs wrapCols lookups per line and a copy.

// wrapCols is the shortest line taken for a wrapped one.
const wrapCols = 16

// b64hex is the base64 (standard and URL) alphabet with padding; hex is a
// subset.
var b64hex = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_") {
		t[c] = true
	}
	return t
}()

// alpha8 is b64hex as 0 and 1, for checks that AND bytes instead of
// branching on each: on mixed data the branch on "is this byte of the
// alphabet" mispredicts often enough to cost more than the loads.
var alpha8 = func() (t [256]uint8) {
	for c, ok := range b64hex {
		if ok {
			t[c] = 1
		}
	}
	return t
}()

// unwrap is a Stream's state for the view.
type unwrap struct {
	tailN  int  // alphabet characters that ended the last Write (up to wrapCols)
	dedent bool // a break was dropped: drop the blanks that follow it
	heldCR bool // a CR ended the last Write, held back from the view
	crbuf  []byte
	cuts   [][2]int
	view   []byte
	drops  []drop // recent drops, ascending
	base   int64  // bytes dropped before drops[0]
}

// drop records n bytes removed from the data just before view position at.
type drop struct {
	at int64
	n  int64
}

// filter returns p as the view sees it (p itself when nothing is dropped)
// and records the drops, given the view position of p's first byte. A CR
// that ends a Write is held back until the next Write shows whether a LF
// follows.
func (u *unwrap) filter(p []byte, at int64) []byte {
	if u.heldCR {
		u.heldCR = false
		u.crbuf = append(append(u.crbuf[:0], '\r'), p...)
		p = u.crbuf
	}
	cut := u.cuts[:0] // byte ranges of p to drop
	i := 0
	if u.dedent {
		i = skipBlanks(p, 0)
		if i > 0 {
			cut = append(cut, [2]int{0, i})
		}
		u.dedent = i == len(p)
	}
	// A break that can be dropped has wrapCols alphabet characters before
	// it, so none is in the wrapCols bytes after a break: the search
	// skips them. A break it skips is never one to drop, and the check
	// below fails on it.
	tail := u.tailN
	for from := i; from < len(p); {
		nl := bytes.IndexByte(p[from:], '\n')
		if nl < 0 {
			break
		}
		nl += from
		end := nl
		if end > 0 && p[end-1] == '\r' {
			end--
		}
		next := nl + 1
		// Most lines end in a byte out of the alphabet: no call.
		if (end == 0 || alpha8[p[end-1]] != 0) && alphaBefore(p, end, tail) {
			next = skipBlanks(p, nl+1)
			cut = append(cut, [2]int{end, next})
			u.dedent = next == len(p)
		}
		tail, i = 0, next
		from = min(len(p), next+wrapCols)
	}
	if i < len(p) {
		if p[len(p)-1] == '\r' {
			u.heldCR = true
			p = p[:len(p)-1]
		}
		u.tailN = alphaRun(p[i:], tail)
	} else {
		u.tailN = 0
	}
	u.cuts = cut
	if len(cut) == 0 {
		return p
	}
	v := u.view[:0]
	prev := 0
	for _, c := range cut {
		v = append(v, p[prev:c[0]]...)
		u.drops = append(u.drops, drop{at: at + int64(len(v)), n: int64(c[1] - c[0])})
		prev = c[1]
	}
	v = append(v, p[prev:]...)
	u.view = v
	if cap(u.view) > 1<<20 {
		u.view = nil
	}
	return v
}

// alphaBefore reports whether the wrapCols bytes before p[end] are of the
// alphabet; tail alphabet bytes ended the previous Write, before p[0].
func alphaBefore(p []byte, end, tail int) bool {
	if end >= wrapCols {
		b := p[end-wrapCols : end]
		t := &alpha8
		// A text line fails on its last word: look there first.
		if t[b[wrapCols-1]]&t[b[wrapCols-2]]&t[b[wrapCols-3]]&t[b[wrapCols-4]] == 0 {
			return false
		}
		acc := uint8(1)
		for _, c := range b[:wrapCols-4] {
			acc &= t[c]
		}
		return acc != 0
	}
	return alphaRun(p[:end], tail) >= wrapCols
}

// alphaRun is the count of alphabet bytes ending b, plus tail if all of b
// is, up to wrapCols.
func alphaRun(b []byte, tail int) int {
	k := 0
	for k < wrapCols && k < len(b) && b64hex[b[len(b)-1-k]] {
		k++
	}
	if k == len(b) {
		return min(wrapCols, tail+k)
	}
	return k
}

func skipBlanks(p []byte, i int) int {
	for i < len(p) && (p[i] == ' ' || p[i] == '\t') {
		i++
	}
	return i
}

// toStream maps a view offset and length to the data's.
func (u *unwrap) toStream(off int64, n int) (int64, int) {
	if len(u.drops) == 0 {
		return off + u.base, n
	}
	start, end := off+u.base, off+int64(n)+u.base
	for _, d := range u.drops {
		if d.at <= off {
			start += d.n
		}
		if d.at < off+int64(n) {
			end += d.n
		}
	}
	return start, int(end - start)
}

// prune forgets drops before view position keep (no match can start
// there any more).
func (u *unwrap) prune(keep int64) {
	i := 0
	for i < len(u.drops) && u.drops[i].at < keep {
		u.base += u.drops[i].n
		i++
	}
	if i > 0 {
		u.drops = u.drops[:copy(u.drops, u.drops[i:])]
	}
}

func (u *unwrap) reset() {
	*u = unwrap{view: u.view[:0], drops: u.drops[:0]}
}
