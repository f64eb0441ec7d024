package pattern

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// refFilter is the view's plain definition, one IndexByte per line and a
// forward alphabet check of each: the filter, which skips and reorders
// work for speed, must drop exactly the breaks it drops.
func refFilter(u *unwrap, p []byte, at int64) []byte {
	if u.heldCR {
		u.heldCR = false
		u.crbuf = append(append(u.crbuf[:0], '\r'), p...)
		p = u.crbuf
	}
	var cut [][2]int
	i := 0
	if u.dedent {
		i = skipBlanks(p, 0)
		if i > 0 {
			cut = append(cut, [2]int{0, i})
		}
		u.dedent = i == len(p)
	}
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
		ok := false
		if end >= wrapCols {
			ok = true
			for _, c := range p[end-wrapCols : end] {
				ok = ok && b64hex[c]
			}
		} else {
			ok = alphaRun(p[:end], tail) >= wrapCols
		}
		if ok {
			next = skipBlanks(p, nl+1)
			cut = append(cut, [2]int{end, next})
			u.dedent = next == len(p)
		}
		tail, i = 0, next
		from = next
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
	var v []byte
	prev := 0
	for _, c := range cut {
		v = append(v, p[prev:c[0]]...)
		u.drops = append(u.drops, drop{at: at + int64(len(v)), n: int64(c[1] - c[0])})
		prev = c[1]
	}
	return append(v, p[prev:]...)
}

// wrapLike is data made of the pieces that decide a break: alphabet runs
// around wrapCols long, LF, CRLF, lone CR, blanks and other bytes.
func wrapLike(r *rand.Rand, n int) []byte {
	var b []byte
	for len(b) < n {
		switch r.IntN(9) {
		case 0, 1, 2:
			k := r.IntN(2*wrapCols + 4)
			if r.IntN(3) == 0 {
				k = wrapCols - 2 + r.IntN(5)
			}
			for range k {
				b = append(b, "QUJDZGVm0123+/=-_x"[r.IntN(18)])
			}
		case 3:
			b = append(b, '\n')
		case 4:
			b = append(b, "\r\n"...)
		case 5:
			b = append(b, '\r')
		case 6:
			b = append(b, strings.Repeat(" \t"[r.IntN(2):r.IntN(2)+1], r.IntN(4))...)
		case 7:
			b = append(b, ".,:\x00\xff#"[r.IntN(6)])
		default:
			for range r.IntN(40) {
				b = append(b, byte(r.Uint32()))
			}
		}
	}
	return b[:n]
}

// TestFilterMatchesRef feeds wrap-like data in pieces of every size
// class through the filter and the reference and wants the same view,
// drops and carried state after every Write.
func TestFilterMatchesRef(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for round := range 3000 {
		data := wrapLike(r, 1+r.IntN(600))
		var u, ref unwrap
		at := int64(0)
		for p := data; len(p) > 0; {
			k := min(len(p), 1+r.IntN([]int{3, 20, 70, 700}[round%4]))
			got := append([]byte(nil), u.filter(p[:k], at)...)
			want := refFilter(&ref, p[:k], at)
			if !bytes.Equal(got, want) || !slices.Equal(u.drops, ref.drops) ||
				u.tailN != ref.tailN || u.dedent != ref.dedent || u.heldCR != ref.heldCR {
				t.Fatalf("round %d, write at %d of %q:\nview %q\nwant %q\ndrops %v, want %v; state %d %v %v, want %d %v %v",
					round, len(data)-len(p), data, got, want, u.drops, ref.drops,
					u.tailN, u.dedent, u.heldCR, ref.tailN, ref.dedent, ref.heldCR)
			}
			at += int64(len(got))
			p = p[k:]
		}
	}
}

// TestFilterEdges: a line of n alphabet bytes with one other byte at
// each place among its last wrapCols+1, with LF and CRLF, then an
// indented line, joins exactly as the reference, in one Write and split
// at every offset.
func TestFilterEdges(t *testing.T) {
	line := strings.Repeat("QUJD", 10)
	for _, n := range []int{wrapCols - 1, wrapCols, wrapCols + 1, 2*wrapCols + 1} {
		for bad := -1; bad <= wrapCols; bad++ {
			for _, eol := range []string{"\n", "\r\n"} {
				l := []byte(line[:n])
				if bad >= 0 && bad < n {
					l[n-1-bad] = '.'
				}
				data := []byte("x " + string(l) + eol + "  " + string(l) + eol + "end\n")
				for split := 0; split <= len(data); split++ {
					var u, ref unwrap
					got := append([]byte(nil), u.filter(data[:split], 0)...)
					want := refFilter(&ref, data[:split], 0)
					got = append(got, u.filter(data[split:], int64(len(got)))...)
					want = append(want, refFilter(&ref, data[split:], int64(len(want)))...)
					if !bytes.Equal(got, want) || !slices.Equal(u.drops, ref.drops) {
						t.Fatalf("%q split at %d: view %q, want %q", data, split, got, want)
					}
				}
			}
		}
	}
}
