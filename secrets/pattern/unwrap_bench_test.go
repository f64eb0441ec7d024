package pattern

import "testing"

// BenchmarkUnwrap is the view's share of BenchmarkStream: the same data
// and writes through the line-break filter alone.
func BenchmarkUnwrap(b *testing.B) {
	_, data := benchData(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	var u unwrap
	for range b.N {
		u.reset()
		at := int64(0)
		for p := data; len(p) > 0; {
			k := min(len(p), 64<<10)
			at += int64(len(u.filter(p[:k], at)))
			p = p[k:]
		}
	}
}
