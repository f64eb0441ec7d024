package pattern

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

// TestNoValueInOutput prints every type of the package that sees secret
// bytes with every verb and wants no trace of
// the value: raw, hex or base64. secrets/archive checks its findings.
func TestNoValueInOutput(t *testing.T) {
	const canary = "hushcanary-set-9d2f7a61"
	set := NewSet(New("c", []byte("password = "+canary+"\n")))
	var ms []Match
	st := set.NewStream(func(m Match) { ms = append(ms, m) })
	_, _ = st.Write([]byte("x " + canary + " " + canary[:10]))
	var out bytes.Buffer
	r := set.NewRedactor(&out)
	_, _ = r.Write([]byte("log " + canary[:12])) // held: a possible start
	if len(ms) == 0 {
		t.Fatalf("setup: no match")
	}
	values := []any{set, *set, ms[0], &ms[0], st, r}
	forms := []string{canary, hex.EncodeToString([]byte(canary)), base64.StdEncoding.EncodeToString([]byte(canary))[:16], canary[:12]}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
			s := sprintf(verb, v)
			for _, f := range forms {
				if strings.Contains(s, f) || strings.Contains(strings.ToLower(s), strings.ToLower(hex.EncodeToString([]byte(f)))) {
					t.Errorf("%s of %T shows the value: %s", verb, v, s)
				}
			}
		}
	}
	_ = r.Flush()
}
