package pattern

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// fragment is one part of a value worth searching for on its own.
type fragment struct {
	kind string
	b    []byte
	// redactOnly fragments are redacted from output but are no finding
	// in an image: see deriver.pem.
	redactOnly bool
}

// fragments derives the parts of a secret value that a build can leak on
// their own: the whole value, credential-bearing lines, and the credentials
// inside them. A build that copies pip.conf's index URL into a log, or a
// tool that writes only the token of an .npmrc into a cache, leaks the
// fragment, not the file. Lines and keys that carry no credential (section
// headers, timeout = 60, user = admin, a URL without userinfo) are not
// fragments: they appear in ordinary files everywhere.
//
// The result is ordered by fragKinds, most specific first, and may hold
// duplicates and short fragments; buildPatterns filters both.
func fragments(v []byte) []fragment {
	d := &deriver{}
	t := bytes.TrimSpace(v)
	if len(t) == 0 {
		return nil
	}
	// The untrimmed value is not a pattern of its own: the trimmed one is
	// inside it, and inside every encoding of it too.
	if len(t) <= MaxPattern {
		d.add(FragValue, t)
	} else {
		// A copy of a large value (a keystore, a bundle) holds its
		// start, middle and end: search for those.
		for _, at := range []int{0, len(t)/2 - valueSlice/2, len(t) - valueSlice} {
			d.add(FragValue, t[at:at+valueSlice])
		}
	}
	// A value holding a wrapped block (a base64'd keystore, a PEM key)
	// is also searched for as the Stream's view shows it: without the
	// block's line breaks.
	if len(t) <= MaxPattern {
		var u unwrap
		if v := u.filter(t, 0); len(v) < len(t) {
			d.add(FragValue, bytes.Clone(v))
		}
	}
	// Lines and keys are a text's; a binary value has none, but may be
	// a key in DER.
	if printable(t) {
		d.text(string(t), 0)
	} else if !d.key(v) {
		// DER may end in a byte that trimming took for a blank.
		d.key(t)
	}
	// A large text that yielded atoms is a file: its atoms stand for it
	// (see atoms.go).
	if printable(t) && len(t) > maxWholeText && slices.ContainsFunc(d.out, func(f fragment) bool {
		return f.kind != FragValue && f.kind != FragLine
	}) {
		d.out = slices.DeleteFunc(d.out, func(f fragment) bool { return f.kind == FragValue })
	}
	slices.SortStableFunc(d.out, func(a, b fragment) int {
		return slices.Index(fragKinds, a.kind) - slices.Index(fragKinds, b.kind)
	})
	return d.out
}

type deriver struct {
	out []fragment
}

// add records a fragment and reports whether it is one: long enough, and
// (unless it is the whole value the user named) neither a variable
// reference, a rule of dashes nor a PEM armour line.
func (d *deriver) add(kind string, b []byte) bool {
	if len(b) < minLen(kind, EncRaw) {
		return false
	}
	if kind != FragValue && (placeholder.Match(b) || !informative(b) || armour.Match(b)) {
		return false
	}
	if (kind == FragKeyValue || kind == FragAuthToken || kind == FragUserinfo) && printable(b) && publicValue(string(b)) {
		return false
	}
	d.out = append(d.out, fragment{kind: kind, b: bytes.Clone(b)})
	return true
}

func (d *deriver) addString(kind, s string) bool { return d.add(kind, []byte(s)) }

// maxNest bounds how deep values found inside values (a PEM key inside a
// JSON field) are taken apart again.
const maxNest = 2

// text takes a (trimmed) text apart: JSON documents by their keys, then
// line by line.
func (d *deriver) text(t string, nest int) {
	if nest > maxNest {
		return
	}
	if strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		var doc any
		if json.Unmarshal([]byte(t), &doc) == nil {
			d.json("", doc, nest)
		}
	}
	lines := strings.Split(t, "\n")
	if len(lines) == 1 {
		d.line(t, nest)
		if strings.Contains(t, "-----BEGIN ") && strings.Contains(t, `\n`) {
			// A PEM key kept on one line with escaped newlines, the way
			// environment variables and .env files hold them.
			d.text(strings.ReplaceAll(t, `\n`, "\n"), nest+1)
		}
		return
	}
	structured := false
	var opaque []string
	var pem *pemBlock
	for _, raw := range lines {
		l := strings.TrimSpace(raw)
		switch {
		case pem != nil:
			if strings.HasPrefix(l, "-----END ") {
				d.pem(pem)
				pem = nil
			} else {
				pem.line(l)
			}
			structured = true
		case strings.Contains(l, "-----BEGIN ") && strings.HasSuffix(l, "-----"):
			// Also KEY=-----BEGIN ...: the armour may follow a key.
			pem = &pemBlock{secret: isKeyLabel(l), pgp: strings.Contains(l, "PGP PRIVATE KEY")}
			structured = true
		case l == "" || isComment(l) || isSection(l):
			structured = structured || l != ""
		default:
			kv, frags := d.line(l, nest)
			structured = structured || kv
			if frags {
				d.addString(FragLine, l)
			} else if !kv {
				opaque = append(opaque, l)
			}
		}
	}
	if pem != nil { // no END line: still a key
		d.pem(pem)
	}
	// A multi-line value with no structure at all (a list of tokens, a
	// recovery code sheet) is secret line by line.
	if !structured {
		for _, l := range opaque {
			d.addString(FragLine, l)
		}
	}
}

// line finds the credentials in one line. kv reports whether the line is
// structured (key/value, .netrc), frags whether it held a credential.
func (d *deriver) line(l string, nest int) (kv, frags bool) {
	if k, v, ok := parseKV(l); ok && publicDSN(k, v) {
		return true, false
	}
	if f := strings.Fields(l); len(f) > 0 && netrcWords[f[0]] {
		kv = true
		for i := 0; i+1 < len(f); i++ {
			if f[i] == "password" || f[i] == "passwd" {
				frags = d.addString(FragKeyValue, f[i+1]) || frags
			}
		}
	}
	frags = d.userinfo(l) || frags
	frags = d.authHeader(l) || frags
	if _, _, isKV := parseKV(l); !isKV && !kv && d.colonRecord(l) {
		kv, frags = true, true
	}
	if f := strings.Split(l, "\t"); len(f) == 7 && (f[1] == "TRUE" || f[1] == "FALSE") {
		// A Netscape cookie jar line (curl, wget, Python): domain, flag,
		// path, secure, expiry, name, value. Only the value is secret.
		kv = true
		frags = d.addString(FragKeyValue, f[6]) || frags
	}
	if strings.IndexByte(l, '<') >= 0 {
		x := d.xml(l, nest)
		kv, frags = kv || x.kv, frags || x.frags
	}
	segs := []string{l}
	if strings.ContainsAny(l, ";&?") {
		// Connection strings and query strings hold pairs of their own:
		// Server=db;Password=X, https://host/x?access_token=X&y=1.
		segs = append(segs, strings.FieldsFunc(l, func(r rune) bool { return r == ';' || r == '&' || r == '?' })...)
	}
	for i, s := range segs {
		key, val, ok := parseKV(s)
		if !ok {
			continue
		}
		if i == 0 {
			kv = true
		}
		if credentialKey(key) {
			frags = d.keyValue(key, val, nest) || frags
		}
	}
	return kv, frags
}

// keyValue records the value of a credential-named key, and what is inside
// it: a token after Bearer, a user:password pair in base64, a PEM key in a
// JSON string.
func (d *deriver) keyValue(key, val string, nest int) bool {
	kind := FragKeyValue
	if strings.Contains(normKey(key), "authtoken") {
		kind = FragAuthToken
	}
	ok := d.addString(kind, val)
	d.authHeader(val)
	if strings.Contains(val, "\n") {
		d.text(strings.TrimSpace(val), nest+1)
	}
	if dec, isB64 := decodeBase64Text(val); isB64 {
		// docker's "auth" and npm's "_auth" are base64("user:password");
		// npm's "_password" is base64(password); kubeconfig's
		// client-key-data is base64 of a PEM key.
		if strings.Contains(dec, "\n") {
			d.text(strings.TrimSpace(dec), nest+1)
		} else if _, pw, found := strings.Cut(dec, ":"); found {
			d.addString(FragUserinfo, pw)
		} else {
			d.addString(FragKeyValue, dec)
		}
	}
	return ok
}

// json records the string values of credential-named keys anywhere in a
// decoded JSON document, and the URL passwords and tokens in every string.
func (d *deriver) json(key string, v any, nest int) {
	switch t := v.(type) {
	case map[string]any:
		keys := slices.Sorted(maps.Keys(t))
		for _, k := range keys {
			d.json(k, t[k], nest)
		}
	case []any:
		for _, e := range t {
			d.json(key, e, nest)
		}
	case string:
		if key != "" && credentialKey(key) && !publicDSN(key, t) {
			d.keyValue(key, strings.TrimSpace(t), nest)
		}
		d.userinfo(t)
		d.authHeader(t)
	}
}

// userinfoRE matches scheme://user:password@ with the password in group 2.
// The password may hold ':' (userinfo splits at the first one) but not the
// characters that end an authority.
var userinfoRE = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.\-]*://([^\s/?#@:'"]*)(?::([^\s/?#@'"]*))?@`)

// userinfo records URL passwords, both as written (percent-encoded) and
// decoded. A user without a password is recorded only when it looks like a
// token (https://ghp_xxx@github.com): a plain user name is no secret.
func (d *deriver) userinfo(l string) bool {
	found := false
	for _, m := range userinfoRE.FindAllStringSubmatchIndex(l, -1) {
		user := l[m[2]:m[3]]
		if m[4] < 0 {
			if looksLikeToken(user) {
				found = d.addString(FragUserinfo, user) || found
			}
			continue
		}
		pw := l[m[4]:m[5]]
		found = d.addString(FragUserinfo, pw) || found
		if dec, err := url.PathUnescape(pw); err == nil && dec != pw {
			d.addString(FragUserinfo, dec)
		}
	}
	return found
}

// authRE matches an HTTP Authorization scheme and its credential.
var authRE = regexp.MustCompile(`(?i)\b(bearer|basic)\s+([A-Za-z0-9\-._~+/]+=*)`)

func (d *deriver) authHeader(l string) bool {
	found := false
	for _, m := range authRE.FindAllStringSubmatch(l, -1) {
		found = d.addString(FragAuthToken, m[2]) || found
		if strings.EqualFold(m[1], "basic") {
			if dec, ok := decodeBase64Text(m[2]); ok {
				if _, pw, ok := strings.Cut(dec, ":"); ok {
					d.addString(FragUserinfo, pw)
				}
			}
		}
	}
	return found
}

// pemBlock collects the body of one PEM block.
type pemBlock struct {
	secret bool
	pgp    bool
	body   []string
}

func (p *pemBlock) line(l string) {
	// Header lines (Proc-Type, DEK-Info, PGP's Version) and PGP's "=CRC"
	// checksum line are not part of the key.
	if l == "" || strings.Contains(l, ":") || strings.HasPrefix(l, "=") {
		return
	}
	p.body = append(p.body, l)
}

// pem records the body lines of a private key, its joined body and its
// DER bytes. Certificates and public keys are not secret and yield nothing.
func (d *deriver) pem(p *pemBlock) {
	if !p.secret {
		return
	}
	joined := strings.Join(p.body, "")
	d.addString(FragPEM, joined)
	der, err := base64.StdEncoding.DecodeString(joined)
	if err == nil && p.pgp {
		// An OpenPGP secret key carries its public key, user ids and
		// signatures, which every keyring holding the public key has:
		// only the secret parts are atoms. The views decode the armour
		// and a dearmored copy holds them raw. The body lines are
		// redacted from logs only.
		found := false
		for _, sp := range pgpSecrets(der) {
			found = d.add(FragKey, sp) || found
		}
		if found {
			from := len(d.out)
			for _, l := range p.body {
				d.addString(FragPEM, l)
			}
			d.redactOnly(from)
			return
		}
	}
	if err == nil {
		d.add(FragDER, der)
		if d.key(der) {
			// A body line may hold only public numbers (the modulus, the
			// public point), which a .pub file or a certificate holds at
			// the same base64 alignment one time in three: in an image,
			// the key's secret numbers stand for the lines. A log that
			// prints some lines of the key still has them redacted.
			from := len(d.out)
			for _, l := range p.body {
				d.addString(FragPEM, l)
			}
			d.redactOnly(from)
			return
		}
	}
	for _, l := range p.body {
		d.addString(FragPEM, l)
	}
}

// redactOnly marks the fragments recorded from index from on as redacted
// from output only.
func (d *deriver) redactOnly(from int) {
	for i := from; i < len(d.out); i++ {
		d.out[i].redactOnly = true
	}
}

// placeholder matches values that name a credential instead of holding
// it: ${NPM_TOKEN}, $TOKEN, {{ .Token }}, %TOKEN%, <your-token>. An
// .npmrc with _authToken=${NPM_TOKEN} is safe to ship; matching the
// reference would refuse it. A bare $NAME is a reference only in the
// environment's convention (upper case, digits, underscores): $ecretPa55
// and $tr0ng-pw are passwords that happen to start with a dollar.
var placeholder = regexp.MustCompile(`^(\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|\{\{.*\}\}|%[A-Za-z_][A-Za-z0-9_]*%|<[^<>]*>)$`)

// armour matches a PEM BEGIN or END line, the same in every PEM file.
var armour = regexp.MustCompile(`^-----(BEGIN|END) [A-Z0-9 ]+-----$`)

// informative is false for strings with fewer than four distinct bytes or
// no letter or digit: separators and rules, in files everywhere.
func informative(b []byte) bool {
	var seen [256]bool
	distinct, alnum := 0, false
	for _, c := range b {
		if !seen[c] {
			seen[c] = true
			distinct++
		}
		alnum = alnum || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	return distinct >= 4 && alnum
}

func isKeyLabel(l string) bool {
	return strings.Contains(l, "PRIVATE") || strings.Contains(l, "SECRET") ||
		(strings.Contains(l, "KEY") && !strings.Contains(l, "PUBLIC"))
}

func isComment(l string) bool { return l[0] == '#' || l[0] == ';' }

func isSection(l string) bool {
	return len(l) > 2 && l[0] == '[' && l[len(l)-1] == ']' && !strings.ContainsAny(l, "=:\"")
}

var netrcWords = map[string]bool{"machine": true, "default": true, "login": true, "password": true, "passwd": true, "account": true, "macdef": true}

// looksLikeToken is true for long strings mixing letters and digits.
func looksLikeToken(s string) bool {
	if len(s) < 20 {
		return false
	}
	var letter, digit bool
	for _, c := range []byte(s) {
		switch {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letter = true
		}
	}
	return letter && digit
}

// decodeBase64Text decodes s if it is base64 of printable ASCII text: the
// shape of an encoded user:password or password, never of a random token
// that happens to use the base64 alphabet.
func decodeBase64Text(s string) (string, bool) {
	if len(s) < 8 {
		return "", false
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		for _, c := range b {
			if (c < 0x20 || c > 0x7e) && c != '\n' && c != '\r' && c != '\t' {
				return "", false
			}
		}
		return string(b), len(b) > 0
	}
	return "", false
}
