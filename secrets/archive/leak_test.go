package archive

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"github.com/hushbuild/hush/secrets/pattern"
)

// TestNoValueInOutput prints the findings and errors of a scan with every
// verb and wants no trace of the value: raw, hex or base64.
func TestNoValueInOutput(t *testing.T) {
	const canary = "hushcanary-set-9d2f7a61"
	set := pattern.NewSet(New("c", []byte("password = "+canary+"\n")))
	var fs []Finding
	layer := makeTar(t, entry{name: "dir/" + canary, body: canary}, entry{name: canary + "/x", body: "abc"})
	_ = ScanTar(set, bytes.NewReader(layer), func(f Finding) { fs = append(fs, f) })
	errTrunc := ScanTar(set, io.LimitReader(bytes.NewReader(layer), 520), func(Finding) {})
	errFile := ScanFile(set, "/"+canary, failingReader{strings.NewReader("abc")}, func(Finding) {})
	if len(fs) < 3 || errTrunc == nil || errFile == nil {
		t.Fatalf("setup: %d findings, errors %v, %v", len(fs), errTrunc, errFile)
	}
	values := []any{fs[0], fs[1], fs[2], &fs[0], errTrunc, errFile}
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
}
