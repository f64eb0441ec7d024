package pattern

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func redactPieces(set *Set, pieces ...string) string {
	var out bytes.Buffer
	r := set.NewRedactor(&out)
	for _, p := range pieces {
		_, _ = r.Write([]byte(p))
	}
	_ = r.Close()
	return out.String()
}

func TestRedactor(t *testing.T) {
	rk, _ := privateKeys(t)
	set := NewSet(fixtureSecrets(t)...)
	lines := pemLines(rk)
	tests := []struct {
		name, in, want string
	}{
		{"url password", "GET https://alice:" + pipPass + "@pypi.corp.example/simple/x\n",
			"GET https://alice:****@pypi.corp.example/simple/x\n"},
		{"token twice, adjacent", "t=" + npmToken + npmToken + ".", "t=********."},
		{"pem key line by line", "cat key:\n" + lines[1] + "\n" + lines[2] + "\nok\n", "cat key:\n****\n****\nok\n"},
		// The armour lines are public (every PEM key has them); the body
		// is the key.
		{"whole key", "x " + rk + "y", "x -----BEGIN PRIVATE KEY-----\n****\n-----END PRIVATE KEY-----\ny"},
		{"nothing", "plain log line\n", "plain log line\n"},
		{"base64 password", "auth: " + strings.TrimSuffix(dockerConfig()[strings.Index(dockerConfig(), `"auth":"`)+8:], `"}},"credsStore":""}`) + "\n",
			"auth: ****\n"},
	}
	for _, tt := range tests {
		if got := redactPieces(set, tt.in); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
		if got := string(set.Redact([]byte(tt.in))); got != tt.want {
			t.Errorf("%s: Redact: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestRedactorSplitEverywhere splits each input at every offset (and two
// offsets) and wants the same output as one Write.
func TestRedactorOverlap(t *testing.T) {
	set := NewSet(New("a", []byte("abcdefgh12")), New("b", []byte("gh12345678")))
	in := "x abcdefgh12345678 y abcdefgh12 z"
	want := "x **** y **** z"
	for i := 0; i <= len(in); i++ {
		if got := redactPieces(set, in[:i], in[i:]); got != want {
			t.Errorf("split at %d: %q, want %q", i, got, want)
		}
	}
}

func TestRedactorSplitEverywhere(t *testing.T) {
	rk, _ := privateKeys(t)
	set := NewSet(fixtureSecrets(t)...)
	inputs := []string{
		"Looking in indexes: https://alice:" + pipPass + "@pypi.corp.example/simple\nnext\n",
		"npm_token=" + npmToken + npmToken[:20] + "\n",
		"key:\n" + rk[:400],
		"tK9#vQ2" + shortToken + "tK9#vQ2x" + shortToken[:5],
	}
	for _, in := range inputs {
		want := redactPieces(set, in)
		if want == in {
			t.Fatalf("input %.20q not redacted", in)
		}
		for i := 0; i <= len(in); i++ {
			if got := redactPieces(set, in[:i], in[i:]); got != want {
				t.Fatalf("split at %d: %q, want %q", i, got, want)
			}
		}
		for i := 0; i <= len(in) && i < 120; i++ {
			for j := i; j <= len(in) && j < 120; j++ {
				if got := redactPieces(set, in[:i], in[i:j], in[j:]); got != want {
					t.Fatalf("split at %d, %d: %q, want %q", i, j, got, want)
				}
			}
		}
	}
}

// TestRedactorFlowsLines wants ordinary log lines written at once, and
// only a possible pattern start held until Flush.
func TestRedactorFlowsLines(t *testing.T) {
	set := NewSet(fixtureSecrets(t)...)
	var out bytes.Buffer
	r := set.NewRedactor(&out)
	line := "Step 3/7 : RUN pip install -r requirements.txt\n"
	_, _ = r.Write([]byte(line))
	if out.String() != line {
		t.Errorf("after one line: %q written, want the whole line", out.String())
	}
	_, _ = r.Write([]byte("Collecting from https://alice:" + pipPass[:5]))
	if got := out.String(); got != line+"Collecting from https://alice:" {
		t.Errorf("held wrong bytes: written %q", got)
	}
	_ = r.Flush()
	if got, want := out.String(), line+"Collecting from https://alice:"+pipPass[:5]; got != want {
		t.Errorf("after Flush: %q, want %q", got, want)
	}
}

func TestRedactorConcurrent(t *testing.T) {
	set := NewSet(New("t", []byte(npmToken)))
	var out bytes.Buffer
	r := set.NewRedactor(&out)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 100 {
				_, _ = fmt.Fprintf(r, "worker %d: %s\n", i, npmToken)
			}
		})
	}
	wg.Wait()
	_ = r.Close()
	if strings.Contains(out.String(), npmToken) || strings.Count(out.String(), "****") != 800 {
		t.Errorf("concurrent writes: %d redactions, want 800, token leaked: %v", strings.Count(out.String(), "****"), strings.Contains(out.String(), npmToken))
	}
	if _, err := r.Write([]byte("x")); err != ErrClosed {
		t.Errorf("Write after Close: %v, want ErrClosed", err)
	}
}

func TestRedactorEmptySetPassesThrough(t *testing.T) {
	var out bytes.Buffer
	r := NewSet().NewRedactor(&out)
	_, _ = r.Write([]byte("abc"))
	if out.String() != "abc" {
		t.Errorf("empty set: %q written, want abc at once", out.String())
	}
}
