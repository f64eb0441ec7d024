package pattern

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"
)

// Two encodings of text that the other views do not take apart:
//
//   - UTF-16 (.NET's Encoding.Unicode, PowerShell's Out-File, Windows
//     registry and resource files): every ASCII or Latin-1 character is a
//     text byte beside a zero byte. A run is found by a 4-byte word of two
//     such units, read at every fourth byte (a run of four units holds
//     one), and decoded as little-endian from its first text byte, which
//     reads ASCII and Latin-1 alike in either byte order; a code point
//     above U+00FF decodes in little-endian text only.
//   - base32 (RFC 4648, as coreutils' base32 and basenc and Python's
//     base64.b32encode write it): a run of the views' runs whose
//     characters are all A-Z and 2-7 is decoded as base32 first.

// EncUTF16 and EncBase32 are the views' names for them.
const (
	EncUTF16  = "utf16"
	EncBase32 = "base32"
)

// minWide is the fewest code units a UTF-16 run is decoded from: the
// shortest value a pattern is made of.
const minWide = MinValue

// wide decodes the UTF-16 runs of b from from on.
func (c *viewCtx) wide(b []byte, from, depth int, chain string, emit func(hit), keep func(int)) {
	done := -1
	for i := (from + 3) &^ 3; i+4 <= len(b); i += 4 {
		// Text holds no zero byte: eight bytes at a time without one
		// are passed with one test.
		if i&7 == 0 && i+8 <= len(b) {
			if x := binary.LittleEndian.Uint64(b[i:]); (x-0x0101010101010101)&^x&0x8080808080808080 == 0 {
				// On to the next zero byte, in a vector search.
				k := bytes.IndexByte(b[i+8:], 0)
				if k < 0 {
					return
				}
				i = (i+8+k)&^7 - 4
				continue
			}
		}
		w := binary.LittleEndian.Uint32(b[i:])
		var s int
		switch {
		case w&0xff00ff00 == 0 && unitText(byte(w)) && unitText(byte(w>>16)):
			s = i // text bytes at even offsets
		case w&0x00ff00ff == 0 && unitText(byte(w>>8)) && unitText(byte(w>>24)):
			s = i + 1
		default:
			continue
		}
		if s < done {
			continue
		}
		// Back to the run's first unit (into the tail before from: the
		// run may have begun in the previous window), then on to its
		// end. Code points above U+00FF are taken between others only,
		// two at most in a row: a big-endian run's last text byte
		// would pair with the byte after it.
		for s >= 2 && b[s-1] == 0 && unitText(b[s-2]) {
			s -= 2
		}
		e, wide := s, 0
		for e+2 <= len(b) {
			if b[e+1] == 0 && unitText(b[e]) {
				e, wide = e+2, 0
			} else if wide < 2 && wideUnit(b, e) {
				e, wide = e+2, wide+1
			} else {
				break
			}
		}
		done = e
		i = max(i, e&^3-4)
		if c.cut && e+2 > len(b) {
			// The next window reads the run on from within reach of
			// the end, at the same parity.
			at := max(s, len(b)-c.reach)
			keep(at + (at-s)&1)
		}
		if (e-s)/2 < minWide {
			continue
		}
		// Code points above U+00FF that end the run are read both ways:
		// as little-endian units, and as the last character of
		// big-endian text (whose low byte is the unit's first).
		lat := e - 2*wide
		sc := &c.scr[depth]
		for k, end := range [2]int{e, lat} {
			if k == 1 && (wide == 0 || !unitText(b[lat])) {
				break
			}
			out := sc.out[:0]
			for j := s; j+2 <= lat; j += 2 {
				out = utf8.AppendRune(out, rune(b[j])|rune(b[j+1])<<8)
			}
			if k == 0 {
				for j := lat; j+2 <= e; j += 2 {
					out = utf8.AppendRune(out, rune(b[j])|rune(b[j+1])<<8)
				}
			} else {
				out = utf8.AppendRune(out, rune(b[lat]))
				end++
			}
			sc.out = out
			c.whole(out, s, end, 0, 0, depth, chain+"/"+EncUTF16, false, emit)
			if c.err != nil {
				return
			}
		}
		if c.err != nil {
			return
		}
	}
}

// unitText reports whether c, beside a zero byte, is a unit of text.
func unitText(c byte) bool { return c != 0 && (isText(c) || c >= 0xa0) }

// wideUnit reports whether the little-endian unit at b[j] is one of a
// UTF-16 run: a text character up to U+00FF, or a printable code point
// above it (a surrogate pair's halves included).
func wideUnit(b []byte, j int) bool {
	if b[j+1] == 0 {
		return unitText(b[j])
	}
	u := rune(b[j]) | rune(b[j+1])<<8
	return u >= 0x100 && u < 0xfff0 && b[j] != 0
}

// b32val maps the RFC 4648 base32 alphabet to its values; 0xff is none.
var b32val = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") {
		t[c] = byte(i)
	}
	return t
}()

// isBase32 reports whether every character of the run r is base32's
// (line breaks and blanks aside), with at least one letter and one digit
// or enough length that an upper-case word is not taken for it.
func isBase32(r []byte) bool {
	digit := false
	for _, ch := range r {
		switch {
		case b32val[ch] != 0xff:
			digit = digit || ch < 'A'
		case ch == '\n' || ch == '\r' || ch == ' ' || ch == '\t':
		default:
			return false
		}
	}
	return digit || len(r) >= 32
}

// decodeBase32 decodes a base32 run (line breaks and blanks skipped; a
// trailing partial quantum yields the bytes it completes).
func decodeBase32(r []byte, out []byte) []byte {
	var acc uint64
	n := 0
	for _, ch := range r {
		v := b32val[ch]
		if v == 0xff {
			continue
		}
		acc = acc<<5 | uint64(v)
		n += 5
		if n >= 8 {
			n -= 8
			out = append(out, byte(acc>>n))
		}
	}
	return out
}

// b32From returns the first index >= at of r whose count of base32
// characters before it is a multiple of 8 (0 when at <= 0).
func b32From(r []byte, at int) int {
	if at <= 0 {
		return 0
	}
	n := 0
	for i, ch := range r {
		if i >= at && n%8 == 0 && b32val[ch] != 0xff {
			return i
		}
		if b32val[ch] != 0xff {
			n++
		}
	}
	return 0
}
