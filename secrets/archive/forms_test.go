package archive

import (
	"bytes"
	"encoding/base32"
	"encoding/hex"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/hushbuild/hush/secrets/pattern"
)

// TestUnclaimedForms pins what docs/audit.md says is not matched:
// base32hex (RFC 4648's extended hex alphabet); and what is: UTF-16 text
// and base32 (issue 19), a dump's hex
// column (pattern's hex view decodes `hexdump -C` and `xxd`), and by
// chance its text column, 16 bytes a line, for a value that fits within
// one line. If one of these starts to match, the documentation must say
// so.
func TestUnclaimedForms(t *testing.T) {
	long := "hushcanary-0123456789abcdef-fedcba9876543210"
	short := "c4n4ry7" // fits in one dump line after "x:"
	set := pattern.NewSet(New("long", []byte(long)), New("short", []byte(short)))
	utf16le := func(s string) string {
		var b bytes.Buffer
		for _, u := range utf16.Encode([]rune(s)) {
			b.WriteByte(byte(u))
			b.WriteByte(byte(u >> 8))
		}
		return b.String()
	}
	cases := []struct {
		name, body, want string // want: the secret found, "" for none
	}{
		{"UTF-16LE", "\xff\xfe" + utf16le("password="+long+"\r\n"), "long"},
		{"base32", base32.StdEncoding.EncodeToString([]byte("x:" + long)), "long"},
		{"base32hex", base32.HexEncoding.EncodeToString([]byte("x:" + long)), ""},
		{"hexdump -C, long value", hex.Dump([]byte("x:" + long + "\n")), "long"},
		{"hexdump -C, value within a line", hex.Dump([]byte("x:" + short + "\n")), "short"},
	}
	for _, c := range cases {
		var got []string
		if err := ScanFile(set, "f", strings.NewReader(c.body), func(f Finding) { got = append(got, f.SecretID) }); err != nil {
			t.Fatal(err)
		}
		switch {
		case c.want == "" && len(got) > 0:
			t.Errorf("%s: found %v; docs/audit.md says this form is not matched", c.name, got)
		case c.want != "" && !strings.Contains(strings.Join(got, " "), c.want):
			t.Errorf("%s: %s not found; docs/audit.md says this form is matched", c.name, c.want)
		}
	}
}
