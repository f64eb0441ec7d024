package pattern

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// streamed writes data in the given pieces and returns the sorted matches.
func streamed(set *Set, pieces ...[]byte) []Match {
	var out []Match
	st := set.NewStream(func(m Match) { out = append(out, m) })
	for _, p := range pieces {
		_, _ = st.Write(p)
	}
	sortMatches(out)
	return out
}

// TestStreamSplitEverywhere splits each input at every offset, and into
// single bytes, and wants exactly Find's matches with absolute offsets.
func TestStreamSplitEverywhere(t *testing.T) {
	rk, _ := privateKeys(t)
	set := NewSet(fixtureSecrets(t)...)
	inputs := map[string]string{
		"pip password in a log": "Looking in indexes: https://alice:" + pipPass + "@pypi.corp.example/simple\n",
		"npm token twice":       "npm_token=" + npmToken + npmToken + "\n",
		"docker auth":           dockerConfig(),
		"pem key in a file":     "# key\n" + rk,
		"short token, overlaps": "tK9#vQ2" + shortToken + "tK9#vQ2x" + shortToken[:5],
		"no secret":             strings.Repeat("nothing to see here ", 10),
	}
	for name, in := range inputs {
		data := []byte(in)
		want := set.Find(data)
		if name != "no secret" && len(want) == 0 {
			t.Fatalf("%s: Find finds nothing", name)
		}
		for i := 0; i <= len(data); i++ {
			if got := streamed(set, data[:i], data[i:]); !slices.Equal(got, want) {
				t.Fatalf("%s split at %d: %v, want %v", name, i, got, want)
			}
		}
		var bytewise [][]byte
		for i := range data {
			bytewise = append(bytewise, data[i:i+1])
		}
		if got := streamed(set, bytewise...); !slices.Equal(got, want) {
			t.Errorf("%s byte by byte: %v, want %v", name, got, want)
		}
	}
}

// TestStreamRandomPieces compares streaming in random pieces with Find on
// a large mixed input with every pattern planted.
func TestStreamRandomPieces(t *testing.T) {
	set := NewSet(fixtureSecrets(t)...)
	var plant [][]byte
	for _, p := range set.m.pats {
		plant = append(plant, p.b)
	}
	data := mixedData(4<<20, 9, plant)
	want := set.Find(data)
	r := rand.New(rand.NewPCG(5, 6))
	for range 3 {
		var pieces [][]byte
		for p := data; len(p) > 0; {
			k := min(len(p), 1+r.IntN(1<<r.IntN(17)))
			pieces = append(pieces, p[:k])
			p = p[k:]
		}
		if got := streamed(set, pieces...); !slices.Equal(got, want) {
			t.Fatalf("%d pieces: %d matches, Find: %d", len(pieces), len(got), len(want))
		}
	}
}

func TestStreamReset(t *testing.T) {
	set := NewSet(New("t", []byte(npmToken)))
	var got []Match
	st := set.NewStream(func(m Match) { got = append(got, m) })
	_, _ = st.Write([]byte("xx" + npmToken[:10]))
	st.Reset()
	_, _ = st.Write([]byte(npmToken[10:] + " " + npmToken))
	if len(got) != 1 || got[0].Offset != int64(len(npmToken)-10+1) {
		t.Errorf("after Reset: %v, want one match at %d", got, len(npmToken)-10+1)
	}
}
