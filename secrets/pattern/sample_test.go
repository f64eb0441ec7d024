package pattern

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestSamplers compares each stride's unrolled loop with a plain one,
// from every start offset, on data where windows pass at every lane of
// the unrolled loop and in its tail.
func TestSamplers(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 3000)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	var f bitFilter
	for i := 0; i+q <= len(data); i += 1 + r.IntN(40) {
		f.set(binary.LittleEndian.Uint32(data[i:]))
	}
	for _, s := range samplers {
		for from := 0; from < 8*s.stride+q; from++ {
			var want, got []int
			for i := from; i+q <= len(data); i += s.stride {
				if f.has(binary.LittleEndian.Uint32(data[i:])) {
					want = append(want, i)
				}
			}
			for i := s.next(&f, data, from); i >= 0; i = s.next(&f, data, i+s.stride) {
				got = append(got, i)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("stride %d from %d: %d hits, want %d", s.stride, from, len(got), len(want))
			}
		}
	}
	for max, want := range map[int]int{3: 3, 5: 5, 9: 8, 13: 12, 61: 56, 64: 64} {
		if got := samplerFor(max).stride; got != want {
			t.Errorf("samplerFor(%d) = stride %d, want %d", max, got, want)
		}
	}
}

// TestAnchorInStream: a value that starts with common text is filtered by
// windows of its rare end, up to maxAnchor bytes in; a Stream must still
// find it when that end comes in a later Write than its start, which is
// then only in the kept tail.
func TestAnchorInStream(t *testing.T) {
	val := "password = https://registry.example.com/simple/x7#QZ!vK"
	// The short token makes the stride 5, so the run is short and the
	// anchor far past the old tail of stride+q-2 bytes.
	set := NewSet(New("v", []byte(val)), New("short", []byte(shortToken)))
	var raw int32 = -1
	for i, p := range set.m.pats {
		if string(p.b) == val {
			raw = int32(i)
		}
	}
	if raw < 0 {
		t.Fatal("no raw pattern")
	}
	a := anchor([]byte(val), set.m.stride)
	if set.m.stride != 5 || a < 40 || a > maxAnchor {
		t.Fatalf("stride %d, anchor %d: want 5, on the rare end, at most %d", set.m.stride, a, maxAnchor)
	}
	data := []byte("log: " + strings.Repeat("https://registry.example.com/simple/ ", 3) + val + " done\n")
	want := set.Find(data)
	if len(want) == 0 {
		t.Fatal("Find finds nothing")
	}
	for i := 0; i <= len(data); i++ {
		for j := i; j <= len(data); j += 7 {
			if got := streamed(set, data[:i], data[i:j], data[j:]); !slices.Equal(got, want) {
				t.Fatalf("split at %d, %d: %v, want %v", i, j, got, want)
			}
		}
	}
	var bytewise [][]byte
	for i := range data {
		bytewise = append(bytewise, data[i:i+1])
	}
	if got := streamed(set, bytewise...); !slices.Equal(got, want) {
		t.Errorf("byte by byte: %v, want %v", got, want)
	}
}

// TestAnchorAvoidsWords: a pattern that holds URL and key words elsewhere
// is filtered by windows of its token, hex digits included, so a log full
// of "https://" and "password" does not send every such word to the
// exact lookup.
func TestAnchorAvoidsWords(t *testing.T) {
	for _, p := range []string{
		"index-url+%3D+https%3A%2F%2Fci%3Abenchpass0700c57b5a1ceeaf7bc4%40pypi.internal%2Fsimple",
		"[global]\nindex-url = https://ci:s3cr3t0700c57b5a1ceeaf7bc4@pypi.internal/simple",
		"https://user:password@x9Q2zK7vB4mW1nR8Lp3Yt6Hs5@registry.example.com",
	} {
		for _, st := range []int{5, 12, 24} {
			a := anchor([]byte(p), st)
			run := p[a : a+st+q-1]
			for _, w := range []string{"http", "ttps", "pass", "word", "inde", "url"} {
				if strings.Contains(run, w) {
					t.Errorf("stride %d: run %q of %q holds %q", st, run, p, w)
				}
			}
		}
	}
}
