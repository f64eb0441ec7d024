package secrets

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"io"
	"strings"
	"testing"
)

// TestNoValueInOutput prints every type of the package that sees secret
// bytes with every verb, and the errors of a scan, and wants no trace of
// the value: raw, hex or base64.
func TestNoValueInOutput(t *testing.T) {
	const canary = "hushcanary-set-9d2f7a61"
	set := NewSet(New("c", []byte("password = "+canary+"\n")))
	var ms []Match
	st := set.NewStream(func(m Match) { ms = append(ms, m) })
	_, _ = st.Write([]byte("x " + canary + " " + canary[:10]))
	var out bytes.Buffer
	r := set.NewRedactor(&out)
	_, _ = r.Write([]byte("log " + canary[:12])) // held: a possible start
	var fs []Finding
	layer := makeTar(t, entry{name: "dir/" + canary, body: canary}, entry{name: canary + "/x", body: "abc"})
	_ = set.ScanTar(bytes.NewReader(layer), func(f Finding) { fs = append(fs, f) })
	errTrunc := set.ScanTar(io.LimitReader(bytes.NewReader(layer), 520), func(Finding) {})
	errFile := set.ScanFile("/"+canary, failingReader{strings.NewReader("abc")}, func(Finding) {})
	if len(ms) == 0 || len(fs) < 3 || errTrunc == nil || errFile == nil {
		t.Fatalf("setup: %d matches, %d findings, errors %v, %v", len(ms), len(fs), errTrunc, errFile)
	}
	values := []any{set, *set, ms[0], &ms[0], fs[0], fs[1], fs[2], &fs[0], st, r, errTrunc, errFile}
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
	for _, f := range fs {
		if strings.Contains(f.Path, canary) {
			t.Errorf("Finding.Path shows the value: %s", f.Path)
		}
	}
	_ = r.Flush()
}
