package pattern

import (
	"testing"

	"github.com/hushbuild/hush/secrets"
)

// TestRedactString: the one string redaction agrees with a flushed
// Redactor on text, and a nil or empty Set hands the string back (audit
// reports without --secret go through it).
func TestRedactString(t *testing.T) {
	const v = "canary-redactstring-4be01c"
	set := NewSet(secrets.New("tok", []byte(v)))
	for _, in := range []string{"", "plain", "x=" + v + "\n", "level=warning msg=\"" + v + v + "\""} {
		if got, want := set.RedactString(in), redactPieces(set, in); got != want {
			t.Errorf("RedactString(%d bytes) = %q; a Redactor writes %q", len(in), got, want)
		}
	}
	var none *Set
	if got := none.RedactString("x=" + v); got != "x="+v {
		t.Errorf("nil Set changed its input: %q", got)
	}
	if got := NewSet().RedactString("y"); got != "y" {
		t.Errorf("empty Set changed its input: %q", got)
	}
}
