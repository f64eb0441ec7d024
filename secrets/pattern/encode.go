package pattern

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"
	"unicode/utf8"
)

// encoded is a fragment as a build step may have written it.
type encoded struct {
	enc string
	b   []byte
}

// encodings returns f raw and in every encoding a build step commonly
// produces. Encodings equal to the raw bytes are left out, so a report
// names the simplest form that matched; buildPatterns drops the rest of the
// duplicates.
func encodings(f []byte) []encoded {
	out := []encoded{{EncRaw, f}}
	add := func(enc string, b []byte) {
		if len(b) > 0 && !bytes.Equal(b, f) {
			out = append(out, encoded{enc, b})
		}
	}
	// A value inside a longer base64 string (docker's auth is
	// base64("user:password")) starts at one of three bit alignments; each
	// gives a different inner string.
	for k := range 3 {
		add(EncBase64, base64Inner(base64.RawStdEncoding, f, k))
	}
	for k := range 3 {
		add(EncBase64URL, base64Inner(base64.RawURLEncoding, f, k))
	}
	s := string(f)
	if printable(f) {
		// Binary (a DER key) is not put in URLs; its escaped form would
		// only triple the longest pattern.
		add(EncURL, []byte(url.QueryEscape(s)))
		add(EncURL, []byte(url.PathEscape(s)))
		// Userinfo escaping keeps some characters the other two escape.
		if u := url.UserPassword("u", s).String(); len(u) > 2 {
			add(EncURL, []byte(u[2:]))
		}
		// Strict escapers keep fewer bytes than Go's: RFC 3986's
		// unreserved set (Python's quote(safe="")), and JavaScript's
		// encodeURIComponent, which also keeps !'()*. A space is %20
		// in both, a plus %2B.
		add(EncURL, percentEncode(f, ""))
		add(EncURL, percentEncode(f, "!'()*"))
	}
	h := hex.EncodeToString(f)
	add(EncHex, []byte(h))
	add(EncHex, bytes.ToUpper([]byte(h)))
	if utf8.Valid(f) {
		// encoding/json escapes <, > and & by default; many encoders do not.
		for _, html := range []bool{false, true} {
			var b bytes.Buffer
			e := json.NewEncoder(&b)
			e.SetEscapeHTML(html)
			if e.Encode(s) == nil {
				q := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
				add(EncJSON, q[1:len(q)-1])
			}
		}
	}
	return out
}

// base64Inner returns the part of base64(prefix+v+suffix) that depends on
// v alone, for a prefix of k bytes (mod 3): the output characters whose six
// bits all come from v. The edge characters mix in the neighbours' bits and
// are dropped.
func base64Inner(enc *base64.Encoding, v []byte, k int) []byte {
	buf := make([]byte, k+len(v))
	copy(buf[k:], v)
	s := enc.EncodeToString(buf)
	lo := (4*k + 2) / 3        // first character starting at or after bit 8k
	hi := 4 * (k + len(v)) / 3 // characters ending at or before the last bit of v
	if hi <= lo {
		return nil
	}
	return []byte(s[lo:hi])
}

// percentEncode escapes every byte of b as %XX but RFC 3986's unreserved
// characters (letters, digits, -._~) and those in keep.
func percentEncode(b []byte, keep string) []byte {
	const upper = "0123456789ABCDEF"
	out := make([]byte, 0, len(b)*3)
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', strings.IndexByte(keep, c) >= 0:
			out = append(out, c)
		default:
			out = append(out, '%', upper[c>>4], upper[c&15])
		}
	}
	return out
}

// printable is true for text: no control bytes but tab and newlines, valid
// UTF-8.
func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			return false
		}
	}
	return utf8.Valid(b)
}
