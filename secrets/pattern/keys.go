package pattern

import (
	"encoding/json"
	"strings"

	"github.com/hushbuild/hush/secrets"
)

// parseKV splits `key = value`, `key=value`, `key: value` and JSON's
// `"key": "value",` into a key and an unquoted value. A colon separates only
// when followed by a blank or the end, so npm's `//host/:_authToken=X` and
// `user:pass` are not split there.
func parseKV(l string) (key, val string, ok bool) {
	l = strings.TrimSpace(l)
	var rest string
	if l != "" && (l[0] == '"' || l[0] == '\'') {
		end := strings.IndexByte(l[1:], l[0])
		if end < 0 {
			return "", "", false
		}
		key, rest = l[1:1+end], strings.TrimLeft(l[2+end:], " \t")
		if rest == "" || (rest[0] != ':' && rest[0] != '=') {
			return "", "", false
		}
		rest = rest[1:]
	} else {
		sep := -1
		for i := 0; i < len(l); i++ {
			if l[i] == '=' || (l[i] == ':' && (i+1 == len(l) || l[i+1] == ' ' || l[i+1] == '\t')) {
				sep = i
				break
			}
		}
		if sep <= 0 {
			return "", "", false
		}
		key, rest = strings.TrimSpace(l[:sep]), l[sep+1:]
		if f := strings.Fields(key); len(f) == 2 && (f[0] == "export" || f[0] == "set") {
			key = f[1]
		}
		if !isKey(key) {
			return "", "", false
		}
	}
	val = strings.TrimSpace(rest)
	if strings.Trim(val, "=") == "" && val != "" {
		// `abc/def==`: base64 padding, not a pair.
		return "", "", false
	}
	val = strings.TrimSpace(strings.TrimRight(val, ",;"))
	val = unquote(val)
	return key, val, key != ""
}

// isKey accepts the characters of ini, env, yaml and .npmrc keys
// (//host/:_authToken, @scope:registry), so JSON or prose on one line is
// not taken for a key.
func isKey(k string) bool {
	for _, c := range []byte(k) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("_.-/:@$", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// unquote strips one level of matching quotes, decoding JSON escapes in a
// double-quoted value.
func unquote(v string) string {
	if len(v) < 2 || v[0] != v[len(v)-1] || (v[0] != '"' && v[0] != '\'') {
		return v
	}
	if v[0] == '"' {
		var s string
		if json.Unmarshal([]byte(v), &s) == nil {
			return s
		}
	}
	return v[1 : len(v)-1]
}

// normKey lower-cases a key and keeps only letters and digits, so
// aws_secret_access_key, AwsSecretAccessKey and aws-secret-access-key agree.
func normKey(k string) string {
	b := make([]byte, 0, len(k))
	for _, c := range []byte(strings.ToLower(k)) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b = append(b, c)
		}
	}
	return string(b)
}

// credentialKey reports whether a key names a credential, so its value is
// a fragment: secrets.CredentialName, the rule build args and audit use.
// Keys like timeout, user, host or index-url are not: their values are in
// ordinary files everywhere.
func credentialKey(k string) bool { return secrets.CredentialName(k) }
