package pattern

import (
	"encoding/binary"
	"regexp"
	"strings"
)

// Atoms: what of a secret is credential and what is public. A secret file
// carries both: the password of a .pgpass line and its host, the secret
// numbers of an OpenPGP key and the public key packet and user id that
// every keyring holds, a chart's boilerplate around one password. Only
// the credential atoms are patterns; a public value found in an image is
// no leak, and refusing a build for it is as wrong as missing one.

// maxWholeText is the longest text value kept whole as a pattern when it
// also yielded atoms: a longer one is a file (a values.yaml, a
// kubeconfig) whose boilerplate a public template shares, and its atoms
// stand for it. A value with no atom is kept whole at any length.
const maxWholeText = 1 << 10

var (
	emailRE  = regexp.MustCompile(`^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$`)
	domainRE = regexp.MustCompile(`^\.?[a-z0-9]([a-z0-9\-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,}\.?(:[0-9]{1,5})?$`)
	ipRE     = regexp.MustCompile(`^\[?[0-9a-fA-F:.]+\]?(:[0-9]{1,5})?$`)
	numberRE = regexp.MustCompile(`^[-+]?[0-9][0-9_.,]*$`)
	plainURL = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.\-]*://[^@\s]*$`)
)

// publicWords are values that name a setting, never hold a credential.
var publicWords = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true, "null": true, "none": true,
	"nil": true, "enabled": true, "disabled": true, "required": true, "optional": true, "default": true,
}

// publicValue reports whether v is a value that is public wherever it
// appears: a path, a host name or domain (a cookie's .example.com), an
// address, an email address, a number or a boolean, a URL without
// credentials.
func publicValue(v string) bool {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return true
	case publicWords[strings.ToLower(v)]:
		return true
	case strings.HasPrefix(v, "/") && !strings.ContainsAny(v, " \t") && strings.Count(v, "/") >= 2,
		strings.HasPrefix(v, "./"), strings.HasPrefix(v, "../"), strings.HasPrefix(v, "~/"),
		len(v) > 3 && v[1] == ':' && v[2] == '\\':
		return true
	}
	return emailRE.MatchString(v) || domainRE.MatchString(v) || numberRE.MatchString(v) ||
		ipRE.MatchString(v) && strings.ContainsAny(v, ".:") && !strings.ContainsAny(v, "ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ") && strings.Count(v, ".")+strings.Count(v, ":") >= 2 ||
		plainURL.MatchString(v)
}

// publicDSN reports whether a DSN-named key holds a URL whose userinfo is
// a user or key without a password: a Sentry DSN's key is public by
// design (it ships in every page's JavaScript). A DSN with a password is
// a credential like any URL with one.
func publicDSN(key, val string) bool {
	if !strings.HasSuffix(normKey(key), "dsn") {
		return false
	}
	m := userinfoRE.FindStringSubmatchIndex(strings.TrimSpace(val))
	return m != nil && m[0] == 0 && m[4] < 0
}

// colonRecord takes the credential out of a colon-separated record: a
// .pgpass line (host:port:db:user:password, \: and \\ escaped), an
// htpasswd or shadow line (user:hash...), a bare user:password. It
// reports whether l is such a record.
func (d *deriver) colonRecord(l string) bool {
	if strings.ContainsAny(l, " \t") || strings.Contains(l, "://") || !strings.Contains(l, ":") {
		return false
	}
	if l[0] == '{' || l[0] == '[' || strings.Contains(l, `":`) {
		// Compact JSON (a docker config.json on one line) is no record:
		// its colons separate keys from values, which the JSON walk reads.
		return false
	}
	var fields []string
	var cur strings.Builder
	for i := 0; i < len(l); i++ {
		switch {
		case l[i] == '\\' && i+1 < len(l):
			i++
			cur.WriteByte(l[i])
		case l[i] == ':':
			fields = append(fields, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(l[i])
		}
	}
	fields = append(fields, cur.String())
	var cred string
	switch n := len(fields); {
	case n == 5: // .pgpass
		cred = fields[4]
	case n == 2 || n > 5: // user:password, htpasswd, shadow
		cred = fields[1]
	default:
		cred = fields[n-1]
	}
	if cred == "*" || cred == "!" || strings.HasPrefix(cred, "!") && len(cred) < 3 {
		return true // a locked account
	}
	return d.addString(FragKeyValue, cred)
}

// OpenPGP packet tags of secret keys (RFC 9580 5.5).
const (
	pgpSecretKey    = 5
	pgpSecretSubkey = 7
)

// pgpSecrets returns the secret part of every secret key and subkey
// packet in an OpenPGP message (a binary keyring or a dearmored export):
// what follows the public key fields. The public key fields, the user ids
// and the signatures are in every copy of the public key and are left
// out. Nothing for anything that does not parse.
func pgpSecrets(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		tag, body, rest, ok := pgpPacket(b)
		if !ok {
			return out
		}
		if tag == pgpSecretKey || tag == pgpSecretSubkey {
			if n := pgpPublicLen(body); n > 0 && n < len(body) {
				out = append(out, body[n:])
			}
		}
		b = rest
	}
	return out
}

// pgpPacket splits the first packet off b (old and new formats; partial
// lengths are not used by keys and end the walk).
func pgpPacket(b []byte) (tag int, body, rest []byte, ok bool) {
	if len(b) < 2 || b[0]&0x80 == 0 {
		return 0, nil, nil, false
	}
	var n, hl int
	if b[0]&0x40 != 0 { // new format
		tag = int(b[0] & 0x3f)
		switch c := b[1]; {
		case c < 192:
			n, hl = int(c), 2
		case c < 224 && len(b) >= 3:
			n, hl = (int(c)-192)<<8+int(b[2])+192, 3
		case c == 255 && len(b) >= 6:
			n, hl = int(binary.BigEndian.Uint32(b[2:])), 6
		default:
			return 0, nil, nil, false
		}
	} else {
		tag = int(b[0]>>2) & 0x0f
		switch b[0] & 3 {
		case 0:
			n, hl = int(b[1]), 2
		case 1:
			if len(b) < 3 {
				return 0, nil, nil, false
			}
			n, hl = int(binary.BigEndian.Uint16(b[1:])), 3
		case 2:
			if len(b) < 5 {
				return 0, nil, nil, false
			}
			n, hl = int(binary.BigEndian.Uint32(b[1:])), 5
		default:
			return 0, nil, nil, false
		}
	}
	if n < 0 || hl+n > len(b) {
		return 0, nil, nil, false
	}
	return tag, b[hl : hl+n], b[hl+n:], true
}

// pgpPublicLen is the length of the public key fields at the start of a
// secret key packet's body (versions 4 and 6), 0 if they do not parse.
func pgpPublicLen(b []byte) int {
	if len(b) < 6 {
		return 0
	}
	switch b[0] {
	case 4:
		i := 6
		algo := b[5]
		mpis := map[byte]int{1: 2, 2: 2, 3: 2, 16: 3, 17: 4}[algo]
		switch algo {
		case 18, 19, 22: // ECDH, ECDSA, EdDSA(legacy): curve OID, point
			if i >= len(b) {
				return 0
			}
			i += 1 + int(b[i])
			mpis = 1
		case 25, 26, 27, 28: // X25519, X448, Ed25519, Ed448: fixed lengths
			return min(len(b), i+map[byte]int{25: 32, 26: 56, 27: 32, 28: 57}[algo])
		}
		if mpis == 0 {
			return 0
		}
		for range mpis {
			if i+2 > len(b) {
				return 0
			}
			i += 2 + (int(binary.BigEndian.Uint16(b[i:]))+7)/8
		}
		if algo == 18 { // ECDH's KDF parameters
			if i >= len(b) {
				return 0
			}
			i += 1 + int(b[i])
		}
		return min(i, len(b))
	case 6:
		if len(b) < 10 {
			return 0
		}
		return min(len(b), 10+int(binary.BigEndian.Uint32(b[6:])))
	}
	return 0
}
