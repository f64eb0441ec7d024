package audit

import (
	_ "embed"
	"strings"
)

//go:embed corpus/claims.txt
var claimsText string

// Claim is one form docs/audit.md claims the guard refuses: values of the
// kinds (globs over corpus's kind names) written by Writer, wrapped by
// Wrapper (corpus's matrix; TestRecall fails on a miss of one).
type Claim struct {
	Writer  string   `json:"writer"`
	Wrapper string   `json:"wrapper"`
	Kinds   []string `json:"kinds"`
}

// Claims are the forms the engine claims, as audit/corpus/claims.txt
// lists them: what the guard's attestation names (builder/internal/attest).
func Claims() []Claim {
	var out []Claim
	for _, line := range strings.Split(claimsText, "\n") {
		f := strings.Fields(line)
		if len(f) == 4 && f[0] == "claim" {
			out = append(out, Claim{Writer: f[1], Wrapper: f[2], Kinds: strings.Split(f[3], ",")})
		}
	}
	return out
}
