package pattern

import (
	"encoding/binary"
)

// q is the length of the sampled window (a "q-gram"), read as one uint32.
const q = 4

// maxStride caps the sampling stride, which bounds the filter's size when
// every pattern is long.
const maxStride = 64

// matcher finds every occurrence of every pattern with a sampled q-gram
// filter instead of a byte-at-a-time automaton. Every occurrence of a
// pattern at s covers the windows starting at s .. s+minLen-q, so reading
// one window every stride <= minLen-q+1 bytes is sure to read one of them.
// The filter holds, for each pattern, stride consecutive windows; a window
// that passes the filter is looked up exactly and each candidate
// (pattern, offset in pattern) is verified byte for byte. Random data and
// text rarely pass: the cost is one load, multiply and bit test per stride
// bytes.
type matcher struct {
	pats    []pattern
	ids     []string
	skipped []string

	minLen, maxLen int
	stride         int

	// filter holds, for each pattern, the stride windows from its anchor
	// on; scan is the sampling loop compiled for the stride.
	filter *bitFilter
	scan   func(f *bitFilter, p []byte, i int) int
	// cands maps an exact window to the patterns that hold it among
	// their filtered windows.
	cands qtable

	// pre1, pre3 and the classes' 2-byte prefix bitmaps and first-window
	// tables answer the redactor's question "could a pattern start here?".
	pre1    [4]uint64
	pre3    map[uint32]bool
	classes []startClass

	// grams holds every q-gram of every pattern: the views' gate (gate.go).
	grams gramSet
}

// startClass indexes the prefixes of the patterns longer than min. A
// position with n bytes left can only start a pattern longer than n, so it
// is checked against the class of the largest min <= n: far from the end
// of the data, only the few long patterns (whole values, joined PEM bodies
// and their encodings) are candidates.
type startClass struct {
	min    int
	pre2   []uint64
	starts qtable
}

// classMins are the startClass thresholds.
var classMins = []int{0, 16, 64, 256, 1024}

// cand is one pattern holding a window at offset off.
type cand struct {
	pat int32
	off int32
}

func newMatcher(pats []pattern, ids, skipped []string) *matcher {
	m := &matcher{pats: pats, ids: ids, skipped: skipped}
	if len(pats) == 0 {
		return m
	}
	m.minLen = len(pats[0].b)
	for _, p := range pats {
		m.minLen = min(m.minLen, len(p.b))
		m.maxLen = max(m.maxLen, len(p.b))
	}
	smp := samplerFor(min(m.minLen-q+1, maxStride))
	m.stride, m.scan = smp.stride, smp.next
	m.filter = new(bitFilter)
	cands := map[uint32][]cand{}
	m.pre3 = map[uint32]bool{}
	for i, p := range pats {
		a := anchor(p.b, m.stride)
		for j := a; j < a+m.stride; j++ {
			w := binary.LittleEndian.Uint32(p.b[j:])
			m.filter.set(w)
			cands[w] = append(cands[w], cand{pat: int32(i), off: int32(j)})
		}
		m.pre1[p.b[0]>>6] |= 1 << (p.b[0] & 63)
		m.pre3[binary.LittleEndian.Uint32(p.b)&0xffffff] = true
	}
	m.cands = newQtable(cands)
	for _, mn := range classMins {
		if mn >= m.maxLen {
			break
		}
		c := startClass{min: mn, pre2: make([]uint64, 1<<16/64)}
		starts := map[uint32][]cand{}
		for i, p := range pats {
			if len(p.b) > mn {
				w := binary.LittleEndian.Uint32(p.b)
				starts[w] = append(starts[w], cand{pat: int32(i)})
				w2 := w & 0xffff
				c.pre2[w2>>6] |= 1 << (w2 & 63)
			}
		}
		c.starts = newQtable(starts)
		m.classes = append(m.classes, c)
	}
	m.grams = newGramSet(pats)
	return m
}

func hash(w uint32, shift uint32) uint32 { return (w * 0x9E3779B1) >> shift }

// next returns the first sample position i' >= i, stepping by stride, whose
// window passes the filter, or -1.
func (m *matcher) next(p []byte, i int) int { return m.scan(m.filter, p, i) }

// holdFrom returns the first position of buf from which the rest of buf
// is a proper prefix of some pattern, so a pattern may still start there
// once more data arrives; len(buf) if there is none. Positions are walked
// from the front, each against the class of the patterns long enough to
// run past the end, with the 2-byte prefix bitmap inline: almost every
// position costs two loads and a bit test.
func (m *matcher) holdFrom(buf []byte) int {
	n := len(buf)
	s := max(0, n-m.maxLen+1)
	for ci := len(m.classes) - 1; ci >= 0; ci-- {
		c := &m.classes[ci]
		pre2 := c.pre2
		// This class serves the positions with at least c.min bytes left
		// (two at least, for the bitmap).
		for end := min(n-c.min, n-2); s <= end; s++ {
			w := uint32(buf[s]) | uint32(buf[s+1])<<8
			if pre2[w>>6]&(1<<(w&63)) != 0 && m.canStart(c, buf[s:]) {
				return s
			}
		}
	}
	if s < n && m.pre1[buf[s]>>6]&(1<<(buf[s]&63)) != 0 {
		return s
	}
	return n
}

// canStart reports whether b, whose 2-byte prefix passed class c's bitmap,
// is a proper prefix of one of c's patterns.
func (m *matcher) canStart(c *startClass, b []byte) bool {
	switch n := len(b); {
	case n >= m.maxLen:
		return false
	case n == 2:
		return true
	case n == 3:
		return m.pre3[uint32(b[0])|uint32(b[1])<<8|uint32(b[2])<<16]
	}
	for _, s := range c.starts.get(binary.LittleEndian.Uint32(b)) {
		if p := m.pats[s.pat].b; len(p) > len(b) && string(p[:len(b)]) == string(b) {
			return true
		}
	}
	return false
}
