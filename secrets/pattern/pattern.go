package pattern

import (
	"slices"

	"github.com/hushbuild/hush/secrets"
)

// Fragment kinds: which part of a secret's value a pattern was derived from.
// Reports name them, so a finding says "the password inside the pip.conf
// URL" rather than "something from secret pip".
const (
	// FragValue is the whole value, surrounding whitespace trimmed.
	FragValue = "value"
	// FragLine is one trimmed line of a multi-line value that carries a
	// credential (or any line of a value with no recognisable structure).
	FragLine = "line"
	// FragUserinfo is the password of a user:password pair: URL userinfo
	// (https://user:PASS@host), or a decoded Basic or docker "auth" value.
	FragUserinfo = "url-password"
	// FragKeyValue is the value of a credential-named key (ini, yaml, env,
	// JSON, .netrc "password X").
	FragKeyValue = "key-value"
	// FragAuthToken is an npm _authToken value or a Bearer/Basic token.
	FragAuthToken = "authtoken"
	// FragPEM is one base64 body line of a PEM private key, or the body
	// joined without line breaks.
	FragPEM = "pem-body"
	// FragDER is a PEM private key's body decoded: the key as a .der file
	// or embedded in a binary keystore.
	FragDER = "pem-der"
)

// Encodings: how a fragment's bytes were transformed before they were
// searched for. A build step that base64s, URL-escapes, hex-dumps or
// JSON-embeds a credential still leaks it.
const (
	EncRaw       = "raw"
	EncBase64    = "base64"
	EncBase64URL = "base64url"
	EncURL       = "url"
	EncHex       = "hex"
	EncJSON      = "json"
)

const (
	// MinPattern is the shortest pattern searched for, raw or encoded.
	// Shorter fragments are everywhere in ordinary files (timeout = 60,
	// user = admin) and would turn the commit guard into noise.
	MinPattern = 8
	// MinValue is the shortest whole value still searched for raw: the
	// user named it as a secret, so a 6 or 7 byte value is matched as is
	// (its encodings must still reach MinPattern). A value shorter than
	// MinValue yields no pattern at all and its id is listed by
	// Set.Skipped, so callers can warn that it is not guarded.
	MinValue = 6
	// MaxPattern is the longest pattern searched for, in any encoding.
	// A longer value is searched for by three slices of it (start,
	// middle, end); this bounds the memory of a Set and the bytes a
	// Redactor may hold back.
	MaxPattern = 16 << 10
)

// valueSlice is the length of the slices of a value longer than MaxPattern.
const valueSlice = 256

// fragKinds orders fragment kinds by how much a report should prefer them
// when one pattern comes from several kinds of one secret: the most
// specific wins.
var fragKinds = []string{FragValue, FragUserinfo, FragAuthToken, FragKeyValue, FragPEM, FragDER, FragKey, FragLine}

// origin is where one pattern came from.
type origin struct {
	id, frag, enc string
	redactOnly    bool // redacted from output, never reported as a Match
}

// pattern is one byte string searched for, with every secret it came from
// (the first origin per secret id, in derivation order).
type pattern struct {
	b    []byte
	from []origin
}

// minLen is the shortest pattern of a fragment kind in an encoding that is
// still searched for.
func minLen(frag, enc string) int {
	if frag == FragValue && enc == EncRaw {
		return MinValue
	}
	return MinPattern
}

// buildPatterns derives, dedupes and filters the patterns of secs. It also
// returns the ids of secrets that yielded no pattern.
func buildPatterns(secs []secrets.Secret) (pats []pattern, ids, skipped []string) {
	index := map[string]int{}
	hit := map[string]bool{}
	var order []string
	for _, sec := range secs {
		if _, ok := hit[sec.ID]; !ok {
			order = append(order, sec.ID)
			hit[sec.ID] = false
		}
		for _, f := range fragments(sec.Value()) {
			for _, e := range encodings(f.b) {
				if len(e.b) < minLen(f.kind, e.enc) || len(e.b) > MaxPattern {
					continue
				}
				hit[sec.ID] = true
				i, ok := index[string(e.b)]
				if !ok {
					i = len(pats)
					index[string(e.b)] = i
					pats = append(pats, pattern{b: e.b})
				}
				o := origin{id: sec.ID, frag: f.kind, enc: e.enc, redactOnly: f.redactOnly}
				p := &pats[i]
				switch j := slices.IndexFunc(p.from, func(o origin) bool { return o.id == sec.ID }); {
				case j < 0:
					p.from = append(p.from, o)
				case p.from[j].redactOnly && !o.redactOnly:
					p.from[j] = o // a finding after all
				}
			}
		}
	}
	for _, id := range order {
		if hit[id] {
			ids = append(ids, id)
		} else {
			skipped = append(skipped, id)
		}
	}
	return pats, ids, skipped
}
