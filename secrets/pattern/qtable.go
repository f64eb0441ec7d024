package pattern

import "math/bits"

// qtable maps a 4-byte window to a list of int32 pairs: an open-addressing
// table over one flat array, so a filter hit costs a multiply and a probe
// or two instead of a Go map lookup.
type qtable struct {
	keys  []uint32
	spans []span // spans[i].n == 0 marks an empty slot
	vals  []cand
	shift uint32
	mask  uint32
}

type span struct{ at, n int32 }

// newQtable builds the table from the lists in m.
func newQtable(m map[uint32][]cand) qtable {
	nb := max(4, bits.Len(uint(len(m)*4-1)))
	t := qtable{keys: make([]uint32, 1<<nb), spans: make([]span, 1<<nb), shift: uint32(32 - nb), mask: 1<<nb - 1}
	for k, v := range m {
		i := hash(k, t.shift)
		for t.spans[i].n != 0 {
			i = (i + 1) & t.mask
		}
		t.keys[i] = k
		t.spans[i] = span{at: int32(len(t.vals)), n: int32(len(v))}
		t.vals = append(t.vals, v...)
	}
	return t
}

// get returns the list of w, or nil.
func (t *qtable) get(w uint32) []cand {
	if len(t.keys) == 0 {
		return nil
	}
	for i := hash(w, t.shift); ; i = (i + 1) & t.mask {
		s := t.spans[i]
		if s.n == 0 {
			return nil
		}
		if t.keys[i] == w {
			return t.vals[s.at : s.at+s.n]
		}
	}
}
