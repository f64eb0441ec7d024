package pattern

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// wrap breaks s into lines of n characters, each ending in eol and the
// next starting with indent.
func wrap(s string, n int, eol, indent string) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(indent + s[:n] + eol)
		s = s[n:]
	}
	b.WriteString(indent + s + eol)
	return b.String()
}

// wrappedToken is a token longer than a wrapped line once encoded.
const wrappedToken = "wr4pped-T0ken-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789"

// TestWrapped: a secret base64'd and wrapped at 76 (base64, MIME) and 64
// (openssl, PEM), hex wrapped at 60 (xxd -p), with CRLF and with an
// indentation (a YAML block), at every alignment, is found by Find and by
// a Stream split anywhere; a wrapped encoding of something else is not.
func TestWrapped(t *testing.T) {
	set := NewSet(New("tok", []byte(wrappedToken)))
	r := rand.New(rand.NewPCG(5, 6))
	for _, prefix := range []string{"", "u:", "ab:", "user:"} {
		raw := []byte(prefix + wrappedToken + "\n")
		b64 := base64.StdEncoding.EncodeToString(raw)
		hx := hex.EncodeToString(raw)
		cases := map[string]string{
			"base64 76":           wrap(b64, 76, "\n", ""),
			"base64 64 CRLF":      wrap(b64, 64, "\r\n", ""),
			"base64 76 in YAML":   "data:\n  token: |\n" + wrap(b64, 76, "\n", "    ") + "kind: Secret\n",
			"hex 60":              wrap(hx, 60, "\n", ""),
			"hex 60 CRLF":         wrap(hx, 60, "\r\n", ""),
			"base64 61 (2 lines)": wrap(b64, len(b64)/2+1, "\n", ""),
		}
		for name, body := range cases {
			name = name + " prefix " + prefix
			data := []byte("-----BEGIN-----\n" + body + "-----END-----\n")
			want := set.Find(data)
			if len(want) == 0 {
				t.Errorf("%s: Find finds nothing in\n%s", name, data)
				continue
			}
			for _, m := range want {
				if got := data[m.Offset : m.Offset+int64(m.Length)]; bytes.Count(got, []byte("\n")) == 0 && strings.Contains(name, "hex") == false && m.Encoding == EncRaw {
					t.Errorf("%s: raw match %q", name, got)
				}
			}
			for i := 0; i <= len(data); i++ {
				if got := streamed(set, data[:i], data[i:]); !slices.Equal(got, want) {
					t.Fatalf("%s split at %d: %v, want %v", name, i, got, want)
				}
			}
			var pieces [][]byte
			for p := data; len(p) > 0; {
				k := min(len(p), 1+r.IntN(9))
				pieces, p = append(pieces, p[:k]), p[k:]
			}
			if got := streamed(set, pieces...); !slices.Equal(got, want) {
				t.Errorf("%s in small pieces: %v, want %v", name, got, want)
			}
		}
	}
	// Look-alike: the same shapes, another token.
	other := strings.ReplaceAll(wrappedToken, "T0ken", "Other")
	b64 := base64.StdEncoding.EncodeToString([]byte("u:" + other))
	for _, data := range []string{wrap(b64, 76, "\n", ""), wrap(hex.EncodeToString([]byte(other)), 60, "\r\n", "  ")} {
		if got := set.Find([]byte(data)); len(got) > 0 {
			t.Errorf("look-alike matched: %v", got)
		}
	}
}

// TestWrappedOffsets: a match across dropped line breaks is reported from
// its first to its last byte in the data, breaks included.
func TestWrappedOffsets(t *testing.T) {
	set := NewSet(New("tok", []byte(wrappedToken)))
	data := []byte("x\n" + wrap(wrappedToken, 20, "\r\n", "  "))
	ms := set.Find(data)
	if len(ms) == 0 {
		t.Fatal("nothing found")
	}
	m := ms[0]
	got := string(data[m.Offset : m.Offset+int64(m.Length)])
	if strings.NewReplacer("\r\n", "", " ", "").Replace(got) != wrappedToken {
		t.Errorf("match covers %q", got)
	}
}

// TestWrappedText: text and binary lines are never joined.
func TestWrappedText(t *testing.T) {
	var u unwrap
	for _, in := range []string{
		"the quick brown fox jumps over the lazy dog and runs far\nanother line of ordinary text here ok\n",
		"short\nlines\n",
		strings.Repeat("x", 60) + " \n" + strings.Repeat("y", 56) + "." + strings.Repeat("y", 3) + "\n",
		"0123456789abcde\n0123456789abcde\n", // shorter than wrapCols
	} {
		if v := u.filter([]byte(in), 0); !bytes.Equal(v, []byte(in)) {
			t.Errorf("filter(%q) = %q", in, v)
		}
		u.reset()
	}
}

// FuzzUnwrap: Find (the view of the whole input) and a Stream fed the
// same input in pieces agree, and a wrapped token planted after arbitrary
// bytes is found.
func FuzzUnwrap(f *testing.F) {
	f.Add([]byte("abc\r\n"), uint8(3), uint8(60))
	f.Add([]byte(wrap(strings.Repeat("QUJD", 40), 76, "\n", "")), uint8(7), uint8(76))
	f.Add([]byte("  \t\r\r\n\n"), uint8(1), uint8(16))
	set := NewSet(New("tok", []byte(wrappedToken)))
	f.Fuzz(func(t *testing.T, data []byte, piece, width uint8) {
		w := max(int(width), wrapCols)
		in := append(append([]byte{}, data...), "\n"+wrap(base64.StdEncoding.EncodeToString([]byte(wrappedToken)), w, "\n", "")...)
		want := set.Find(in)
		if len(want) == 0 {
			t.Fatalf("token wrapped at %d after %d bytes not found", w, len(data))
		}
		var pieces [][]byte
		k := max(int(piece), 1)
		for p := in; len(p) > 0; {
			n := min(len(p), k)
			pieces, p = append(pieces, p[:n]), p[n:]
		}
		if got := streamed(set, pieces...); !slices.Equal(got, want) {
			t.Fatalf("stream in pieces of %d: %v, want %v", k, got, want)
		}
	})
}

// TestRedactWrapped: a log that prints a secret base64'd and wrapped (or
// hex wrapped by xxd -p), in writes split anywhere, comes out with no
// line break left that a reader could remove to rebuild the value.
func TestRedactWrapped(t *testing.T) {
	set := NewSet(New("tok", []byte(wrappedToken)))
	for _, prefix := range []string{"", "u:", "ab:"} {
		raw := []byte(prefix + wrappedToken)
		for name, body := range map[string]string{
			"base64 76":      wrap(base64.StdEncoding.EncodeToString(raw), 76, "\n", ""),
			"base64 64 CRLF": wrap(base64.StdEncoding.EncodeToString(raw), 64, "\r\n", ""),
			"hex 60":         wrap(hex.EncodeToString(raw), 60, "\n", ""),
		} {
			log := []byte("step 1\n" + body + "done\n")
			for i := 0; i <= len(log); i += 7 {
				var out bytes.Buffer
				r := set.NewRedactor(&out)
				_, _ = r.Write(log[:i])
				_, _ = r.Write(log[i:])
				_ = r.Flush()
				joined := []byte(strings.NewReplacer("\r", "", "\n", "").Replace(out.String()))
				if ms := set.Find(joined); len(ms) > 0 || !bytes.Contains(out.Bytes(), []byte("****")) {
					t.Fatalf("%s prefix %q split at %d: %v in\n%s", name, prefix, i, ms, out.Bytes())
				}
				if !bytes.HasPrefix(out.Bytes(), []byte("step 1\n")) || !bytes.HasSuffix(out.Bytes(), []byte("done\n")) {
					t.Fatalf("%s split at %d: lines around lost:\n%s", name, i, out.Bytes())
				}
			}
		}
	}
}
