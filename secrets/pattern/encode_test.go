package pattern

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestBase64Inner checks the alignment trick on random values: the inner
// string for k is inside base64(prefix+v+suffix) for every prefix whose
// length is k mod 3, whatever the neighbouring bytes.
func TestBase64Inner(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	rnd := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	for range 500 {
		v := rnd(1 + r.IntN(40))
		pre, suf := rnd(r.IntN(9)), rnd(r.IntN(5))
		data := append(append(append([]byte{}, pre...), v...), suf...)
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding} {
			inner := base64Inner(enc.WithPadding(base64.NoPadding), v, len(pre)%3)
			if !strings.Contains(enc.EncodeToString(data), string(inner)) {
				t.Fatalf("inner of a %d-byte value at prefix %d not in the encoding", len(v), len(pre))
			}
		}
	}
}

// TestEncodingsFoundInside finds a secret embedded, with neighbours, in
// data that a build step encoded as a whole.
func TestEncodingsFoundInside(t *testing.T) {
	const pw = "Enc0ded<pass>&word/+? (x)"
	set := NewSet(New("pw", []byte(pw)))
	jsonOf := func(s string, html bool) string {
		var b bytes.Buffer
		e := json.NewEncoder(&b)
		e.SetEscapeHTML(html)
		_ = e.Encode(s)
		return b.String()
	}
	// Where two encodings agree on a value (no '+' or '/' in the base64,
	// nothing for JSON to escape) the simpler one is reported.
	type tc struct {
		enc  string
		data func(prefix, suffix string) string
	}
	alike := map[string][]string{EncBase64URL: {EncBase64}, EncJSON: {EncRaw}}
	tests := []tc{
		{EncRaw, func(p, s string) string { return p + pw + s }},
		{EncBase64, func(p, s string) string { return base64.StdEncoding.EncodeToString([]byte(p + pw + s)) }},
		{EncBase64URL, func(p, s string) string { return base64.RawURLEncoding.EncodeToString([]byte(p + pw + s)) }},
		{EncHex, func(p, s string) string { return hex.EncodeToString([]byte(p + pw + s)) }},
		{EncHex, func(p, s string) string { return strings.ToUpper(hex.EncodeToString([]byte(p + pw + s))) }},
		{EncURL, func(p, s string) string { return "https://x/?q=" + url.QueryEscape(p+pw+s) }},
		{EncURL, func(p, s string) string { return "https://x/" + url.PathEscape(p+pw+s) }},
		{EncURL, func(p, s string) string { return url.UserPassword("me", p+pw+s).String() + "@host" }},
		// Python's quote(safe=""), JavaScript's encodeURIComponent: a
		// space is %20 and a plus %2B, which Go's escapers never give.
		{EncURL, func(p, s string) string { return "?q=" + strictEscape(p+pw+s, "") }},
		{EncURL, func(p, s string) string { return "?q=" + strictEscape(p+pw+s, "!'()*") }},
		{EncJSON, func(p, s string) string { return `{"v":` + jsonOf(p+pw+s, true) + `}` }},
		{EncJSON, func(p, s string) string { return `{"v":` + jsonOf(p+pw+s, false) + `}` }},
	}
	for _, tt := range tests {
		for _, prefix := range []string{"", "a", "ab", "abc", "user:", "log line: "} {
			data := tt.data(prefix, " trailing")
			ms := set.Find([]byte(data))
			found := false
			for _, m := range ms {
				found = found || (m.SecretID == "pw" && (m.Encoding == tt.enc || slices.Contains(alike[tt.enc], m.Encoding)))
			}
			if !found {
				t.Errorf("%s with prefix %q: not found (matches %v)", tt.enc, prefix, ms)
			}
		}
	}
}

// TestDockerAuth finds the password inside docker's auth field, which is
// base64("user:password"), for users of every length mod 3, and the
// password secret alone (not the config) is enough.
func TestDockerAuth(t *testing.T) {
	set := NewSet(New("registry-password", []byte(dockerPass)))
	for _, user := range []string{"a", "ab", "abc", "deploy", "robot$ci+x"} {
		auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + dockerPass))
		cfg := `{"auths":{"r.example":{"auth":"` + auth + `"}}}`
		ms := set.Find([]byte(cfg))
		if len(ms) == 0 || ms[0].Encoding != EncBase64 {
			t.Errorf("user %q: matches %v, want the password in base64", user, ms)
		}
		// A Kubernetes secret holds the whole config.json in base64 again:
		// the config secret's own auth field is then found as well.
		k8s := "data:\n  .dockerconfigjson: " + base64.StdEncoding.EncodeToString([]byte(cfg)) + "\n"
		cfgSet := NewSet(New("docker", []byte(cfg)))
		if ms := cfgSet.Find([]byte(k8s)); len(ms) == 0 {
			t.Errorf("user %q: config.json in base64 not found", user)
		}
	}
}

func TestEncodingsOnlyWhenDifferent(t *testing.T) {
	for _, e := range encodings([]byte("plainvalue123")) {
		if e.enc == EncURL || e.enc == EncJSON {
			t.Errorf("%s form of a value it leaves alone", e.enc)
		}
	}
	// Invalid UTF-8 has no faithful JSON form.
	for _, e := range encodings([]byte("bin\xff\xfe-value")) {
		if e.enc == EncJSON {
			t.Errorf("json form of invalid UTF-8")
		}
	}
}

// strictEscape is percent-encoding as other languages do it, written
// independently of percentEncode: every byte but letters, digits, -._~ and
// those in keep.
func strictEscape(s, keep string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c < 0x80 && (c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.ContainsRune("-._~"+keep, rune(c))) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
