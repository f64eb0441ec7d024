package pattern

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// TestAllText checks the word-at-a-time text test against isText, every
// byte value in every lane.
func TestAllText(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var b [8]byte
	for c := range 256 {
		for lane := range 8 {
			for k := range b {
				b[k] = byte(0x20 + r.IntN(0x5f))
			}
			b[lane] = byte(c)
			w := binary.LittleEndian.Uint64(b[:])
			if got, want := allText(w), isText(byte(c)); got != want {
				t.Fatalf("byte %#x in lane %d: allText %v, isText %v", c, lane, got, want)
			}
		}
	}
}
