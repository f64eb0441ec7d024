package dfcheck

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	tests := []struct{ df, want string }{
		{"FROM scratch\nRUN true\n", ""},
		{"# syntax=docker/dockerfile:1\nARG X=1\nFROM scratch AS a\nFROM a AS b\nCOPY --from=a / /\n", ""},
		{"FROM scratch\nFOO bar\n", `Dockerfile line 2: unknown instruction "FOO"`},
		{"FROM scratch\n\x1b[31mEVIL" + strings.Repeat("x", 100) + " y\n", `unknown instruction "\x1b[31mEVIL`},
		{"FROM scratch AS a\nRUN true\nFROM scratch AS A\n", `Dockerfile line 3: stage name "a" is already used on line 1`},
	}
	for _, tt := range tests {
		err := Check(strings.NewReader(tt.df))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("Check(%q) = %v, want nil", tt.df, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("Check(%q) = %v, want it to say %s", tt.df, err, tt.want)
		case err != nil && (strings.Contains(err.Error(), "\x1b") || len(err.Error()) > 120):
			t.Errorf("Check(%q) = %q: raw control bytes or too long", tt.df, err)
		}
	}
}
