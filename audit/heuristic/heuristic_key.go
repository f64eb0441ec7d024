package heuristic

import (
	"bytes"
	"strings"
)

// KeyDetector finds private keys (PEM: RSA, EC, DSA, PKCS#8, encrypted
// PKCS#8, OpenSSH, PGP private key blocks) in a stream written to it, in one
// pass and in any file: a key needs no telling-name to be a leak. The zero
// value is ready to use; Reset starts a new file.
//
// A marker alone is not a key: libssl, gnutls and ssh binaries carry
// "-----BEGIN RSA PRIVATE KEY-----" as a string. A hit needs the BEGIN line
// followed by at least 64 characters of base64 body (PEM headers such as
// Proc-Type may come between; "\n" escaped in JSON, as in a cloud service
// account file, counts as a line break).
//
// Executables and shared libraries (ELF) are not searched: crypto
// libraries embed self-test keys (Debian's libgnutls holds a dozen), which
// are public. Known values (Set) are still searched in them.
type KeyDetector struct {
	head  [4]byte // the stream's first bytes, to recognise ELF
	nhead int
	elf   bool
	carry []byte // stream bytes from an unresolved marker (or a possible partial one) on
	base  int64  // stream offset of carry[0]
	off   int64  // bytes written so far
	hits  []Hit
}

var heurPEMBegin = []byte("-----BEGIN ")

// keyWindow is how far past a marker a key is judged: the label, PEM
// headers, and the first 64 body characters fit.
const heurKeyWindow = 512

var elfMagic = [4]byte{0x7f, 'E', 'L', 'F'}

// Write never fails.
func (d *KeyDetector) Write(p []byte) (int, error) {
	n := len(p)
	if d.nhead < len(d.head) {
		k := copy(d.head[d.nhead:], p)
		d.nhead += k
		if d.nhead == len(d.head) && d.head == elfMagic {
			d.elf, d.carry = true, nil
		}
	}
	if d.elf {
		d.off += int64(n)
		return n, nil
	}
	if len(d.carry) > 0 {
		take := min(len(p), heurKeyWindow+len(heurPEMBegin))
		data := append(d.carry, p[:take]...)
		carried, base := len(d.carry), d.base
		d.carry = nil
		if take == len(p) {
			// All of p is in data: scan it as one piece (no marker in the
			// carried bytes has been judged yet).
			d.scan(data, base)
			d.off += int64(n)
			return n, nil
		}
		// p is long: every marker starting in the carried bytes (or
		// straddling into p) has its whole window in data; markers
		// starting in p are found in p below.
		for i := 0; i < carried; {
			j := bytes.Index(data[i:], heurPEMBegin)
			if j < 0 || i+j >= carried {
				break
			}
			d.judge(data[i+j:i+j+heurKeyWindow], base+int64(i+j))
			i += j + 1
		}
	}
	d.scan(p, d.off)
	d.off += int64(n)
	return n, nil
}

// scan looks for markers in p (at stream offset base), judging each whose
// window fits and carrying the first one that does not, or a trailing
// partial marker.
func (d *KeyDetector) scan(p []byte, base int64) {
	for i := 0; i < len(p); {
		j := bytes.Index(p[i:], heurPEMBegin)
		if j < 0 {
			break
		}
		at := i + j
		if at+heurKeyWindow > len(p) {
			d.carry = append([]byte(nil), p[at:]...)
			d.base = base + int64(at)
			return
		}
		d.judge(p[at:at+heurKeyWindow], base+int64(at))
		i = at + 1
	}
	// A marker may begin in the last len(pemBegin)-1 bytes.
	k := max(0, len(p)-len(heurPEMBegin)+1)
	for ; k < len(p); k++ {
		if bytes.HasPrefix(heurPEMBegin, p[k:]) {
			d.carry = append([]byte(nil), p[k:]...)
			d.base = base + int64(k)
			return
		}
	}
}

// Close judges a marker near the end of the stream. It never fails.
func (d *KeyDetector) Close() error {
	if !d.elf && len(d.carry) >= len(heurPEMBegin) && bytes.HasPrefix(d.carry, heurPEMBegin) {
		d.judge(d.carry, d.base)
		for i := 1; i < len(d.carry); {
			j := bytes.Index(d.carry[i:], heurPEMBegin)
			if j < 0 {
				break
			}
			d.judge(d.carry[i+j:], d.base+int64(i+j))
			i += j + 1
		}
	}
	d.carry = d.carry[:0]
	return nil
}

// Hits returns the keys found so far (call Close first at the end of a file).
func (d *KeyDetector) Hits() []Hit { return d.hits }

// Reset readies the detector for another file, keeping its buffer.
func (d *KeyDetector) Reset() {
	d.carry, d.base, d.off, d.hits, d.nhead, d.elf = d.carry[:0], 0, 0, nil, 0, false
}

// judge decides whether w, which starts with "-----BEGIN ", opens a
// private key.
func (d *KeyDetector) judge(w []byte, off int64) {
	rest := w[len(heurPEMBegin):]
	end := bytes.Index(rest, []byte("-----"))
	if end < 0 || end > 48 {
		return
	}
	label := string(rest[:end])
	l := strings.TrimSuffix(label, " BLOCK")
	if !strings.HasSuffix(l, "PRIVATE KEY") || strings.Trim(label, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ") != "" {
		return
	}
	body := rest[end+5:]
	// Line breaks: real, or escaped as in JSON and shell strings.
	next := func(b []byte) ([]byte, bool) {
		switch {
		case bytes.HasPrefix(b, []byte("\r\n")):
			return b[2:], true
		case len(b) > 0 && b[0] == '\n':
			return b[1:], true
		case bytes.HasPrefix(b, []byte(`\r\n`)):
			return b[4:], true
		case bytes.HasPrefix(b, []byte(`\n`)):
			return b[2:], true
		}
		return b, false
	}
	body, ok := next(body)
	if !ok {
		return
	}
	// Skip RFC 1421 headers (Proc-Type, DEK-Info, PGP's Version, Comment)
	// and blank lines.
	for {
		if b, ok := next(body); ok {
			body = b
			continue
		}
		eol := bytes.IndexAny(body, "\r\n\\")
		if eol < 0 {
			break
		}
		if c := bytes.IndexByte(body[:eol], ':'); c > 0 && bytes.IndexByte(body[:c], ' ') < 0 {
			body = body[eol:]
			continue
		}
		break
	}
	n := 0
	for len(body) > 0 && n < 64 {
		if b, ok := next(body); ok {
			body = b
			continue
		}
		c := body[0]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' {
			n++
			body = body[1:]
			continue
		}
		break
	}
	if n < 64 {
		return
	}
	d.hits = append(d.hits, Hit{Rule: RulePrivateKey, Offset: off, Detail: label})
}
