package pattern

import (
	"fmt"
	"slices"

	"github.com/hushbuild/hush/secrets"
)

// Set is the immutable pattern set of some secrets: every fragment of every
// value in every encoding. It is safe for concurrent use; Streams and
// Redactors made from it hold their own state.
type Set struct {
	// Everything lives behind a pointer so that printing a Set by value
	// shows an address, not pattern bytes.
	m *matcher
	// rm is the Redactor's: without the binary patterns (a key's secret
	// numbers as raw bytes), which no log line holds, and which would
	// make the Redactor hold back a line's end one time in 256.
	rm *matcher
}

// NewSet derives the patterns of secs. Secrets with empty or too short
// values are allowed and yield no pattern (see Skipped).
func NewSet(secs ...secrets.Secret) *Set {
	pats, ids, skipped := buildPatterns(secs)
	s := &Set{m: newMatcher(pats, ids, skipped)}
	s.rm = s.m
	var text []pattern
	for _, p := range pats {
		if !slices.ContainsFunc(p.from, func(o origin) bool { return o.frag != FragKey || o.enc != EncRaw }) {
			continue // binary only
		}
		text = append(text, p)
	}
	if len(text) < len(pats) {
		s.rm = newMatcher(text, ids, skipped)
	}
	return s
}

// Len is the number of distinct patterns.
func (s *Set) Len() int {
	if s == nil || s.m == nil {
		return 0
	}
	return len(s.m.pats)
}

// IDs lists, in the order given, the ids of the secrets that yielded at
// least one pattern.
func (s *Set) IDs() []string {
	if s == nil || s.m == nil {
		return nil
	}
	return append([]string(nil), s.m.ids...)
}

// Skipped lists the ids of the secrets whose value yielded no pattern (empty,
// or shorter than MinValue once trimmed): nothing guards them.
func (s *Set) Skipped() []string {
	if s == nil || s.m == nil {
		return nil
	}
	return append([]string(nil), s.m.skipped...)
}

// MaxLen is the length of the longest pattern, 0 for an empty set.
func (s *Set) MaxLen() int {
	if s == nil || s.m == nil {
		return 0
	}
	return s.m.maxLen
}

// String shows counts only.
func (s *Set) String() string {
	if s == nil || s.m == nil {
		return "secrets.Set(empty)"
	}
	return fmt.Sprintf("secrets.Set(%d patterns from %d secrets)", len(s.m.pats), len(s.m.ids))
}

// GoString redacts %#v too.
func (s *Set) GoString() string { return s.String() }

// Format makes every verb print the redacted form.
func (s *Set) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }
