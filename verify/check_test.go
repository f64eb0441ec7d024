package verify

import (
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
)

func TestJudge(t *testing.T) {
	base, mine, other := digest.FromString("base"), digest.FromString("mine"), digest.FromString("other")
	item := func(d digest.Digest, status, verdict string) guardItem {
		return guardItem{DiffID: d.String(), Status: status, Verdict: verdict}
	}
	clean := guardItem{Status: "scanned", Verdict: "clean"}
	tests := []struct {
		name    string
		p       guardPredicate
		ids     []digest.Digest
		want    string // "" ok, else a substring of a problem
		scanned int
	}{
		{"clean", guardPredicate{Verdict: "pass", Secrets: []string{"s"}, Config: clean,
			Layers: []guardItem{item(base, "base-skipped", "not-read"), item(mine, "scanned", "clean")}}, []digest.Digest{base, mine}, "", 1},
		{"layer swapped", guardPredicate{Verdict: "pass", Secrets: []string{"s"}, Config: clean,
			Layers: []guardItem{item(base, "base-skipped", "not-read"), item(mine, "scanned", "clean")}}, []digest.Digest{base, other}, "the guard read", 0},
		{"base above a read layer", guardPredicate{Verdict: "pass", Secrets: []string{"s"}, Config: clean,
			Layers: []guardItem{item(mine, "scanned", "clean"), item(base, "base-skipped", "not-read")}}, []digest.Digest{mine, base}, "base-skipped", 1},
		{"layer added", guardPredicate{Verdict: "pass", Secrets: []string{"s"}, Config: clean,
			Layers: []guardItem{item(mine, "scanned", "clean")}}, []digest.Digest{mine, other}, "not in the guard's list", 1},
		{"no secrets, nothing read", guardPredicate{Verdict: "pass", Config: guardItem{Status: "no-secrets", Verdict: "not-read"},
			Layers: []guardItem{item(mine, "no-secrets", "not-read")}}, []digest.Digest{mine}, "", 1},
		{"no-secrets claimed with secrets", guardPredicate{Verdict: "pass", Secrets: []string{"s"}, Config: clean,
			Layers: []guardItem{item(mine, "no-secrets", "not-read")}}, []digest.Digest{mine}, "no-secrets", 0},
		{"refused", guardPredicate{Verdict: "refused", Secrets: []string{"s"}, Config: clean,
			Layers: []guardItem{item(mine, "scanned", "clean")}}, []digest.Digest{mine}, "guard verdict", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			im := &Image{}
			probs := judge(im, &statement{Predicate: tt.p}, tt.ids, len(tt.ids))
			got := strings.Join(probs, "; ")
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("problems %q, want %q", got, tt.want)
			}
			if im.Scanned != tt.scanned {
				t.Errorf("scanned %d, want %d", im.Scanned, tt.scanned)
			}
		})
	}
}
