package pattern

import (
	"bytes"
	"html"
	"unicode/utf8"
)

// The decoders of the views. Each takes the bytes of one region and
// returns them decoded. The escape dialects (backslash, percent, entity,
// doubled quotes) copy what they do not understand unchanged and record a
// mark for every sequence they replaced, so a match is a view's finding
// only when it covers one (otherwise the raw scan saw it already). The
// whole-run decoders (base64, hex) transform every byte and need no marks.

// mark maps one replaced sequence: region bytes [enc, encEnd) became
// decoded bytes [dec, decEnd).
type mark struct{ dec, decEnd, enc, encEnd int }

// b64val maps both base64 alphabets to their 6-bit values; 0xff is no
// base64 character. '+' and '-' agree, as do '/' and '_', so one pass
// decodes standard and URL-safe base64 alike.
var b64val = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") {
		t[c] = byte(i)
	}
	t['-'], t['_'] = 62, 63
	return t
}()

// hexval maps a hex digit of either case to its value; 0xff is none.
var hexval = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range []byte("0123456789abcdef") {
		t[c] = byte(i)
	}
	for i, c := range []byte("ABCDEF") {
		t[c] = byte(10 + i)
	}
	return t
}()

// decodeBase64 decodes a run of base64 characters (either alphabet, no
// padding inside, line breaks skipped) into out. A trailing partial
// quantum yields the bytes it completes.
func decodeBase64(run []byte, out []byte) []byte {
	var acc uint32
	n := 0
	for _, c := range run {
		v := b64val[c]
		if v == 0xff {
			continue // a line break
		}
		acc = acc<<6 | uint32(v)
		n++
		if n == 4 {
			out = append(out, byte(acc>>16), byte(acc>>8), byte(acc))
			acc, n = 0, 0
		}
	}
	switch n {
	case 2:
		out = append(out, byte(acc>>4))
	case 3:
		out = append(out, byte(acc>>10), byte(acc>>2))
	}
	return out
}

// decodeHexRun decodes an even run of hex digits.
func decodeHexRun(run []byte, out []byte) []byte {
	for i := 0; i+1 < len(run); i += 2 {
		out = append(out, hexval[run[i]]<<4|hexval[run[i+1]])
	}
	return out
}

// decodeSepHex decodes hex bytes written with separators and prefixes,
// from b[0] on, as far as the notation goes: C arrays (0x41, 0x42), Python
// and shell escapes (\x41\x42), colon lists (openssl's 41:42:43, which
// also wraps its lines), space-separated bytes, and dumps: an xxd or
// hexdump -C line's offset column is skipped, and its text column (after
// two spaces, or '|') is not read. It returns the bytes, the end of the
// last one read, and where it stopped (a byte no notation holds, or a
// token the end of b cuts).
func decodeSepHex(b []byte, out []byte) (_ []byte, end, stop int) {
	i := 0
	lineStart := true
	for i < len(b) {
		if lineStart {
			lineStart = false
			j := i
			for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
				j++
			}
			// A dump's offset column: 7 or 8 hex digits, then ": " (xxd)
			// or two spaces (hexdump -C, od-like dumps).
			k := j
			for k < len(b) && hexval[b[k]] != 0xff {
				k++
			}
			if d := k - j; (d == 7 || d == 8) && k+1 < len(b) &&
				(b[k] == ':' && b[k+1] == ' ' || b[k] == ' ' && b[k+1] == ' ') {
				i = k + 2
				continue
			}
			// od's: seven octal digits and one space.
			if k-j == 7 && k+1 < len(b) && b[k] == ' ' && octalRun(b[j:k]) {
				i = k + 1
				continue
			}
		}
		c := b[i]
		switch {
		case c == '\n':
			i++
			lineStart = true
			continue
		case c == ' ' || c == '\t' || c == '\r' || c == ',' || c == ':' || c == '{' || c == '}':
			if c == ' ' && i+1 < len(b) && b[i+1] == ' ' && len(out) > 0 && dumpText(b, i) {
				// A dump's text column: skip to the line's end.
				for i < len(b) && b[i] != '\n' {
					i++
				}
				continue
			}
			i++
			continue
		case c == '|':
			for i < len(b) && b[i] != '\n' {
				i++
			}
			continue
		}
		// A byte: 0x41, \x41, or bare digits (an even run).
		j := i
		prefixed := false
		if c == '0' && i+2 < len(b) && (b[i+1] == 'x' || b[i+1] == 'X') && hexval[b[i+2]] != 0xff {
			j, prefixed = i+2, true
		} else if c == '\\' && i+2 < len(b) && b[i+1] == 'x' && hexval[b[i+2]] != 0xff {
			j, prefixed = i+2, true
		}
		k := j
		for k < len(b) && hexval[b[k]] != 0xff {
			k++
		}
		n := k - j
		switch {
		case prefixed && n <= 2:
			v := byte(0)
			for _, d := range b[j:k] {
				v = v<<4 | hexval[d]
			}
			out = append(out, v)
		case n > 0 && n%2 == 0 && (k == len(b) || !isWordByte(b[k])):
			out = decodeHexRun(b[j:k], out)
		default:
			return out, end, i
		}
		i = k
		end = k
	}
	return out, end, i
}

// dumpText reports whether two spaces at b[i] start a dump's text column:
// the line so far began with an offset column.
func dumpText(b []byte, i int) bool {
	ls := i
	for ls > 0 && b[ls-1] != '\n' {
		ls--
	}
	k := ls
	for k < i && hexval[b[k]] != 0xff {
		k++
	}
	return k-ls >= 7 && k < i && b[k] == ':'
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// decodeBackslash undoes the backslash escapes of JSON, C, Python, Perl,
// PHP, Java and shells: \n \t \r \b \f \v \a \e, octal \NNN, \xHH and
// Perl's \x{HHHH}, \uXXXX with surrogate pairs, \UXXXXXXXX, a line
// continuation (properties files), shell's '\” inside single quotes, and
// a backslash before any other byte (\" \' \\ \/ \: \= \  \$), which
// stands for that byte.
func decodeBackslash(b []byte, out []byte, marks []mark) ([]byte, []mark) {
	last, left := 0, 0
	for i := 0; i < len(b); {
		j := indexByteFrom(b, i, '\\')
		if j < 0 || j+1 >= len(b) {
			break
		}
		out = append(out, b[last:j]...)
		dec := len(out)
		k := j + 2
		switch c := b[j+1]; c {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'v':
			out = append(out, '\v')
		case 'a':
			out = append(out, 7)
		case 'e':
			out = append(out, 0x1b)
		case '\n':
			// A continued line: the break and the next line's indent go.
			for k < len(b) && (b[k] == ' ' || b[k] == '\t') {
				k++
			}
		case '\'':
			// '\'' in a single-quoted shell word is one quote.
			if j > last && b[j-1] == '\'' && k < len(b) && b[k] == '\'' {
				out = out[:len(out)-1]
				dec--
				j--
				k++
			}
			out = append(out, '\'')
		case 'x':
			if k < len(b) && b[k] == '{' {
				if r, n := hexDigits(b[k+1:], 8); n > 0 && k+1+n < len(b) && b[k+1+n] == '}' {
					out = utf8.AppendRune(out, rune(r))
					k += n + 2
					break
				}
			}
			if v, n := hexDigits(b[k:], 2); n > 0 {
				k += n
				out = byteEscape(out, byte(v), b, k, `\x`, &left)
			} else {
				out = append(out, 'x')
			}
		case 'u', 'U':
			w := 4
			if c == 'U' {
				w = 8
			}
			v, n := hexDigits(b[k:], w)
			if n != w {
				out = append(out, c)
				break
			}
			k += n
			r := rune(v)
			if r >= 0xd800 && r < 0xdc00 && k+6 <= len(b) && b[k] == '\\' && b[k+1] == 'u' {
				if lo, n := hexDigits(b[k+2:], 4); n == 4 && lo >= 0xdc00 && lo < 0xe000 {
					r = 0x10000 + (r-0xd800)<<10 + rune(lo-0xdc00)
					k += 6
				}
			}
			out = utf8.AppendRune(out, r)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := 0
			k = j + 1
			for k < len(b) && k < j+4 && b[k] >= '0' && b[k] <= '7' {
				v = v*8 + int(b[k]-'0')
				k++
			}
			out = append(out, byte(v))
		default:
			out = append(out, c)
		}
		marks = append(marks, mark{dec: dec, decEnd: len(out), enc: j, encEnd: k})
		i, last = k, k
	}
	return append(out, b[last:]...), marks
}

// byteEscape decides what an escaped byte v >= 0x80 stands for. Byte
// escapes of UTF-8 (Python bytes, C, PHP, percent-encoding of UTF-8) are
// bytes; elsewhere (YAML's and Python str's \xE4, JavaScript's escape()
// %E4) such an escape is a code point. It is a byte when it continues a
// sequence (*left > 0) or starts one whose continuation bytes follow as
// escapes of the same form (prefix, two hex digits). at is the index after
// the escape.
func byteEscape(out []byte, v byte, b []byte, at int, prefix string, left *int) []byte {
	if v < 0x80 {
		*left = 0
		return append(out, v)
	}
	if *left > 0 {
		*left--
		return append(out, v)
	}
	need := -1
	switch {
	case v >= 0xc2 && v <= 0xdf:
		need = 1
	case v >= 0xe0 && v <= 0xef:
		need = 2
	case v >= 0xf0 && v <= 0xf4:
		need = 3
	}
	ok := need > 0
	for k, i := 0, at; ok && k < need; k, i = k+1, i+len(prefix)+2 {
		ok = i+len(prefix)+2 <= len(b) && string(b[i:i+len(prefix)]) == prefix &&
			hexval[b[i+len(prefix)]] >= 8 && hexval[b[i+len(prefix)]] <= 0xb && hexval[b[i+len(prefix)+1]] != 0xff
	}
	if ok {
		*left = need
		return append(out, v)
	}
	return utf8.AppendRune(out, rune(v))
}

// hexDigits reads up to n hex digits.
func hexDigits(b []byte, n int) (uint32, int) {
	var v uint32
	i := 0
	for i < n && i < len(b) && hexval[b[i]] != 0xff {
		v = v<<4 | uint32(hexval[b[i]])
		i++
	}
	return v, i
}

// indexByteFrom is the index of the first c in b at or after i, or -1.
func indexByteFrom(b []byte, i int, c byte) int {
	if i >= len(b) {
		return -1
	}
	if k := bytes.IndexByte(b[i:], c); k >= 0 {
		return i + k
	}
	return -1
}

// nextOf is the first of two candidate positions (-1 is none).
func nextOf(a, b int) int {
	if a < 0 || b >= 0 && b < a {
		return b
	}
	return a
}

// decodePercent undoes percent-encoding in either case (%2f, %2F),
// JavaScript's escape() (%uXXXX) and, with plus, form encoding's '+' for
// a space.
func decodePercent(b []byte, plus bool, out []byte, marks []mark) ([]byte, []mark) {
	last, left := 0, 0
	// Only '%' and (with plus) '+' are looked at: the bytes between are
	// found with IndexByte and copied whole.
	pct, pl := indexByteFrom(b, 0, '%'), -1
	if plus {
		pl = indexByteFrom(b, 0, '+')
	}
	for i := 0; i < len(b); i++ {
		if pct >= 0 && pct < i {
			pct = indexByteFrom(b, i, '%')
		}
		if pl >= 0 && pl < i {
			pl = indexByteFrom(b, i, '+')
		}
		if i = nextOf(pct, pl); i < 0 {
			break
		}
		c := b[i]
		switch {
		case c == '%' && i+2 < len(b) && hexval[b[i+1]] != 0xff && hexval[b[i+2]] != 0xff:
			out = append(out, b[last:i]...)
			dec := len(out)
			out = byteEscape(out, hexval[b[i+1]]<<4|hexval[b[i+2]], b, i+3, "%", &left)
			marks = append(marks, mark{dec: dec, decEnd: len(out), enc: i, encEnd: i + 3})
			i += 2
		case c == '%' && i+5 < len(b) && (b[i+1] == 'u' || b[i+1] == 'U'):
			v, n := hexDigits(b[i+2:], 4)
			if n != 4 {
				continue
			}
			out = append(out, b[last:i]...)
			dec := len(out)
			r, end := rune(v), i+6
			// escape() writes a character beyond the BMP as a surrogate
			// pair: %uD83D%uDE00.
			if r >= 0xd800 && r < 0xdc00 && end+6 <= len(b) && b[end] == '%' && (b[end+1] == 'u' || b[end+1] == 'U') {
				if lo, n := hexDigits(b[end+2:], 4); n == 4 && lo >= 0xdc00 && lo < 0xe000 {
					r = 0x10000 + (r-0xd800)<<10 + rune(lo-0xdc00)
					end += 6
				}
			}
			out = utf8.AppendRune(out, r)
			marks = append(marks, mark{dec: dec, decEnd: len(out), enc: i, encEnd: end})
			i = end - 1
		case c == '+' && plus:
			out = append(out, b[last:i]...)
			marks = append(marks, mark{dec: len(out), decEnd: len(out) + 1, enc: i, encEnd: i + 1})
			out = append(out, ' ')
		default:
			continue
		}
		last = i + 1
	}
	return append(out, b[last:]...), marks
}

// decodeEntities undoes HTML and XML character references: decimal
// (&#39;), hex (&#x27;, &#X27;) and named (&amp;, &quot;, &apos; and every
// HTML5 name).
func decodeEntities(b []byte, out []byte, marks []mark) ([]byte, []mark) {
	last := 0
	for i := 0; i < len(b); i++ {
		if i = indexByteFrom(b, i, '&'); i < 0 {
			break
		}
		end := -1
		for k := i + 1; k < len(b) && k < i+34; k++ {
			if b[k] == ';' {
				end = k + 1
				break
			}
			if !isWordByte(b[k]) && b[k] != '#' {
				break
			}
		}
		if end < 0 {
			continue
		}
		ent := string(b[i:end])
		dec := html.UnescapeString(ent)
		if dec == ent {
			continue
		}
		out = append(out, b[last:i]...)
		marks = append(marks, mark{dec: len(out), decEnd: len(out) + len(dec), enc: i, encEnd: end})
		out = append(out, dec...)
		i = end - 1
		last = end
	}
	return append(out, b[last:]...), marks
}

// decodeQuotes undoes the doubled quotes of CSV, INI, SQL and YAML's
// single-quoted strings ("" is ", ” is ') and the shell's '"'"' (a quote
// inside a single-quoted word, as Python's shlex.quote writes it).
func decodeQuotes(b []byte, out []byte, marks []mark) ([]byte, []mark) {
	last := 0
	dq, sq := indexByteFrom(b, 0, '"'), indexByteFrom(b, 0, '\'')
	for i := 0; i+1 < len(b); i++ {
		if dq >= 0 && dq < i {
			dq = indexByteFrom(b, i, '"')
		}
		if sq >= 0 && sq < i {
			sq = indexByteFrom(b, i, '\'')
		}
		if i = nextOf(dq, sq); i < 0 || i+1 >= len(b) {
			break
		}
		if b[i] == '\'' && i+5 <= len(b) && string(b[i:i+5]) == `'"'"'` {
			out = append(out, b[last:i]...)
			marks = append(marks, mark{dec: len(out), decEnd: len(out) + 1, enc: i, encEnd: i + 5})
			out = append(out, '\'')
			i += 4
			last = i + 1
			continue
		}
		if (b[i] == '"' || b[i] == '\'') && b[i+1] == b[i] {
			out = append(out, b[last:i+1]...)
			marks = append(marks, mark{dec: len(out) - 1, decEnd: len(out), enc: i, encEnd: i + 2})
			i++
			last = i + 1
		}
	}
	return append(out, b[last:]...), marks
}
