package pattern

import (
	"bytes"
	"testing"
)

func benchData(b *testing.B) (*Set, []byte) {
	secs := benchSecrets(b)
	set := NewSet(secs...)
	var plant [][]byte
	for _, p := range set.m.pats {
		plant = append(plant, p.b)
	}
	return set, mixedData(8<<20, 42, plant)
}

// BenchmarkStream is the matcher's throughput on uncompressed bytes, in
// 64 KiB writes, for eight secrets with all encodings.
func BenchmarkStream(b *testing.B) {
	set, data := benchData(b)
	n := 0
	st := set.NewStream(func(Match) { n++ })
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		st.Reset()
		for p := data; len(p) > 0; {
			k := min(len(p), 64<<10)
			_, _ = st.Write(p[:k])
			p = p[k:]
		}
	}
	if n == 0 {
		b.Fatal("no planted secret found")
	}
	b.ReportMetric(float64(set.Len()), "patterns")
}

// BenchmarkFind is the one-shot matcher over the same data.
func BenchmarkFind(b *testing.B) {
	set, data := benchData(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		set.Find(data)
	}
}

// BenchmarkRedactor redacts the same data in 4 KiB writes, like a build
// log.
func BenchmarkRedactor(b *testing.B) {
	set, data := benchData(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	var out bytes.Buffer
	out.Grow(len(data) + 1<<20)
	for range b.N {
		out.Reset()
		r := set.NewRedactor(&out)
		for p := data; len(p) > 0; {
			k := min(len(p), 4<<10)
			_, _ = r.Write(p[:k])
			p = p[k:]
		}
		_ = r.Flush()
	}
}
