package pattern

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// naiveFind is the reference: bytes.Index for every pattern at every
// offset of the view (wrapped blocks without their line breaks).
func naiveFind(set *Set, data []byte) []Match {
	var out []Match
	var u unwrap
	p := u.filter(data, 0)
	defer func() {
		for i := range out {
			out[i].Offset, out[i].Length = u.toStream(out[i].Offset, out[i].Length)
		}
		sortMatches(out)
	}()
	for i, pat := range set.m.pats {
		for off := 0; ; {
			j := bytes.Index(p[off:], pat.b)
			if j < 0 {
				break
			}
			out = set.m.appendMatches(out, int32(i), int64(off+j))
			off += j + 1
		}
	}
	sortMatches(out)
	return out
}

func TestFind(t *testing.T) {
	set := NewSet(fixtureSecrets(t)...)
	data := mixedData(1<<20, 7, nil)
	// Plant every pattern, some overlapping the next.
	var plant []byte
	for i, p := range set.m.pats {
		plant = append(plant, p.b...)
		if i%3 == 0 {
			plant = append(plant, " x "...)
		}
	}
	data = append(append(data[:len(data)/2:len(data)/2], plant...), data[len(data)/2:]...)
	got, want := set.Find(data), naiveFind(set, data)
	// The views find more (a planted base64 of a base64 form, decoded
	// twice); the fast path finds exactly what the naive search does.
	got = slices.DeleteFunc(got, func(m Match) bool { return IsView(m.Encoding) })
	if !slices.Equal(got, want) {
		t.Fatalf("Find: %d matches, naive: %d", len(got), len(want))
	}
	if len(got) < set.Len() {
		t.Errorf("%d matches for %d planted patterns", len(got), set.Len())
	}
}

func TestFindNegatives(t *testing.T) {
	set := NewSet(fixtureSecrets(t)...)
	r := rand.New(rand.NewPCG(3, 4))
	lookalike := func(alpha string, n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = alpha[r.IntN(len(alpha))]
		}
		return b
	}
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var data []byte
	for range 2000 {
		data = append(data, "npm_"...)
		data = append(data, lookalike(b64[:62], 36)...)
		data = append(data, "\nghp_"...)
		data = append(data, lookalike(b64[:62], 36)...)
		data = append(data, "\nAKIA"...)
		data = append(data, lookalike(b64[:36], 16)...)
		data = append(data, '\n')
		data = append(data, lookalike(b64, 64)...)
		data = append(data, '\n')
	}
	// An image's own pip.conf and .npmrc, without the credentials.
	data = append(data, "[global]\nindex-url = https://pypi.corp.example/simple\ntimeout = 60\nuser = admin\n"...)
	data = append(data, "registry=https://registry.npmjs.org/\nalways-auth=true\nmachine api.example.com login carol\n"...)
	data = append(data, "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n[default]\nregion = eu-west-1\n"...)
	if ms := set.Find(data); len(ms) != 0 {
		t.Errorf("look-alikes matched: %v", ms)
	}
}

func TestFindEmpty(t *testing.T) {
	for _, set := range []*Set{nil, NewSet(), NewSet(New("x", nil))} {
		if set.Len() != 0 || set.Find([]byte("anything at all")) != nil {
			t.Errorf("%v: Len %d, want an empty set", set, set.Len())
		}
	}
}

// FuzzFind compares Find with bytes.Index over every pattern. Run with
// go test -fuzz FuzzFind ./secrets/.
func FuzzFind(f *testing.F) {
	f.Add([]byte("password = hunter22-x"), []byte("xx password = hunter22-x yy hunter22-x"))
	f.Add([]byte(pipConf), []byte("https://alice:"+pipPass+"@h"))
	f.Add([]byte("aaaaaaaa"), []byte("aaaaaaaaaaaaaaaaaaaaa"))
	f.Add([]byte("abcdef"), []byte("abcdeabcdefabcdef"))
	f.Fuzz(func(t *testing.T, secret, data []byte) {
		set := NewSet(New("a", secret), New("b", bytes.ToUpper(secret)))
		got, want := set.Find(data), naiveFind(set, data)
		if !slices.Equal(got, want) {
			t.Fatalf("Find: %d matches, naive: %d", len(got), len(want))
		}
		var streamed []Match
		st := set.NewStream(func(m Match) { streamed = append(streamed, m) })
		for p := data; len(p) > 0; {
			k := min(len(p), 1+int(p[0])%7)
			_, _ = st.Write(p[:k])
			p = p[k:]
		}
		sortMatches(streamed)
		if !slices.Equal(streamed, want) {
			t.Fatalf("Stream: %d matches, naive: %d", len(streamed), len(want))
		}
		var out bytes.Buffer
		r := set.NewRedactor(&out)
		for p := data; len(p) > 0; {
			k := min(len(p), 1+int(p[len(p)-1])%5)
			_, _ = r.Write(p[:k])
			p = p[k:]
		}
		_ = r.Flush()
		if got, want := out.Bytes(), set.Redact(data); !bytes.Equal(got, want) {
			t.Fatalf("Redactor in pieces differs from Redact")
		}
	})
}
