package corpus

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/hushbuild/hush/audit"
	"github.com/hushbuild/hush/secrets"
	"github.com/hushbuild/hush/secrets/pattern"
)

var updateClaims = flag.Bool("update-claims", false, "add the matrix forms that pass to claims.txt (never removes a claim)")

const claimsFile = "claims.txt"

// claims is claims.txt: "claim WRITER WRAPPER KINDS" lines (path.Match
// globs, KINDS a comma-separated list of them) the guard must refuse, and "false-refusal CASE" lines naming
// clean cases known to be refused (printed, not failed, until fixed).
type claims struct {
	forms         [][3]string
	falseRefusals map[string]bool
	header        []string // the comment lines, kept by -update-claims
}

func readClaims(t *testing.T) claims {
	f, err := os.Open(claimsFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := claims{falseRefusals: map[string]bool{}}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		fs := strings.Fields(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			if len(c.forms) == 0 && len(c.falseRefusals) == 0 {
				c.header = append(c.header, sc.Text())
			}
		case fs[0] == "claim" && len(fs) == 4:
			c.forms = append(c.forms, [3]string{fs[1], fs[2], fs[3]})
		case fs[0] == "false-refusal" && len(fs) == 2:
			c.falseRefusals[fs[1]] = true
		default:
			t.Fatalf("%s:%d: want \"claim WRITER WRAPPER KINDS\" or \"false-refusal CASE\"", claimsFile, n)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return c
}

// claimed reports whether a case's form is claimed.
func (c claims) claimed(r result) bool {
	for _, f := range c.forms {
		if !match(f[0], r.writer) || !match(f[1], r.wrapper) {
			continue
		}
		for _, k := range strings.Split(f[2], ",") {
			if match(k, r.kind) {
				return true
			}
		}
	}
	return false
}

func match(pat, s string) bool {
	ok, err := path.Match(pat, s)
	return err == nil && ok
}

type result struct {
	output
	verdict
}

func (r result) name() string { return r.kind + "/" + r.writer + "/" + r.wrapper }

// TestRecall generates the matrix, scans every case as the guard does and
// the clean corpus beside it, prints recall per class, and fails on a
// missed claimed form or a refused clean case.
func TestRecall(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the corpus with real tools")
	}
	c := readClaims(t)
	results, clean, eng := measure(t)
	var misses []result
	claimed := 0
	for _, r := range results {
		if r.err == nil && c.claimed(r) {
			claimed++
		}
		switch {
		case r.err != nil:
			t.Errorf("%s: writer failed: %v", r.name(), r.err)
		case !r.refused && c.claimed(r):
			t.Errorf("%s: claimed form missed (the guard would tag this image)", r.name())
		case !r.refused:
			misses = append(misses, r)
		}
	}
	t.Log("\n" + table(results))
	t.Logf("claimed (%s): %d of %d cases", claimsFile, claimed, len(results))
	t.Logf("unclaimed misses (%d), by writer/wrapper:\n%s", len(misses), byForm(misses))

	var refusals int
	for _, cc := range clean.cases {
		layer, err := layerOf(cc.path, "clean")
		if err != nil {
			t.Fatalf("clean %s: %v", cc.name, err)
		}
		v := scan(eng, layer)
		switch {
		case v.refused && c.falseRefusals[cc.name]:
			refusals++
			t.Logf("false refusal (known, listed in %s): %s", claimsFile, cc.name)
		case v.refused:
			refusals++
			t.Errorf("false refusal: clean case %s refused (incomplete scan: %v)", cc.name, v.incomplete)
		case c.falseRefusals[cc.name]:
			t.Logf("clean case %s is no longer refused: remove its false-refusal line from %s", cc.name, claimsFile)
		}
	}
	t.Logf("clean corpus: %d cases, %d false refusals", len(clean.cases), refusals)
	if *updateClaims {
		// A form is claimed only if refused in every one of five runs
		// (values and keys are fresh each run: some forms are found by
		// chance, say where a key's base64 holds no '/'; three runs let
		// one such cell through).
		runs := [][]result{results}
		for range 4 {
			rs, _, _ := measure(t)
			runs = append(runs, rs)
		}
		c.update(t, runs)
	}
}

// measure generates the matrix and the clean corpus in a new directory and
// scans the matrix; it returns the clean corpus with the engine that scans
// it (every secret of the run in one set, as a build with all of them).
func measure(t *testing.T) ([]result, clean, *audit.Engine) {
	dir := t.TempDir()
	skip := func(s string) { t.Log("skip " + strings.TrimPrefix(s, "skip ")) }
	start := time.Now()
	ks := kinds(t, dir)
	outs := write(t, dir, ks, skip)
	t.Logf("writers: %v", time.Since(start).Round(time.Millisecond))
	engines := map[string]*audit.Engine{}
	var all []secrets.Secret
	for _, k := range ks {
		s := secrets.New(k.name, k.secret)
		all = append(all, s)
		engines[k.name] = audit.NewEngine(pattern.NewSet(s), false)
	}
	results := make([]result, len(outs))
	parallel(len(outs), func(i int) {
		results[i].output = outs[i]
		if outs[i].err != nil {
			return
		}
		layer, err := layerOf(outs[i].path, "case")
		if err != nil {
			results[i].err = err
			return
		}
		results[i].verdict = scan(engines[outs[i].kind], layer)
	})
	t.Logf("writers and scans: %v", time.Since(start).Round(time.Millisecond))
	clean := cleanCorpus(t, dir, ks)
	return results, clean, audit.NewEngine(pattern.NewSet(append(all, clean.secrets...)...), false)
}

// byForm lists results one line per writer/wrapper with their kinds.
func byForm(rs []result) string {
	var forms []string
	kinds := map[string][]string{}
	for _, r := range rs {
		f := r.writer + "/" + r.wrapper
		if kinds[f] == nil {
			forms = append(forms, f)
		}
		kinds[f] = append(kinds[f], r.kind)
	}
	var b strings.Builder
	for _, f := range forms {
		fmt.Fprintf(&b, "  %s: %s\n", f, strings.Join(kinds[f], " "))
	}
	return b.String()
}

// table prints recall per kind, writer and wrapper, and overall: refused
// cases over cases (writer failures left out), with the refusals that were
// incomplete scans counted apart.
func table(rs []result) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, class := range []struct {
		name string
		key  func(result) string
	}{{"kind", func(r result) string { return r.kind }},
		{"writer", func(r result) string { return r.writer }},
		{"wrapper", func(r result) string { return r.wrapper }},
		{"overall", func(result) string { return "all" }}} {
		type count struct{ n, refused, incomplete int }
		counts := map[string]*count{}
		var keys []string
		for _, r := range rs {
			if r.err != nil {
				continue
			}
			k := class.key(r)
			if counts[k] == nil {
				counts[k] = &count{}
				keys = append(keys, k)
			}
			counts[k].n++
			if r.refused {
				counts[k].refused++
			}
			if r.incomplete {
				counts[k].incomplete++
			}
		}
		sort.Strings(keys)
		fmt.Fprintf(tw, "%s\tcases\trefused\tincomplete\trecall\n", strings.ToUpper(class.name))
		for _, k := range keys {
			c := counts[k]
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.0f%%\n", k, c.n, c.refused, c.incomplete, 100*float64(c.refused)/float64(c.n))
		}
		fmt.Fprintln(tw, "\t\t\t\t")
	}
	_ = tw.Flush()
	return b.String()
}

// update adds to claims.txt every (writer, wrapper) form refused in every
// run: for all kinds ("*"), or the kinds refused; every claim there stays.
func (c claims) update(t *testing.T, runs [][]result) {
	type form struct{ writer, wrapper string }
	pass, all := map[form][]string{}, map[form]int{}
	missed := map[string]bool{}
	for _, rs := range runs {
		for _, r := range rs {
			if r.err != nil || !r.refused {
				missed[r.name()] = true
			}
		}
	}
	claimedBefore := map[form]bool{}
	for _, r := range runs[0] {
		f := form{r.writer, r.wrapper}
		all[f]++
		if c.claimed(r) {
			claimedBefore[f] = true
		} else if !missed[r.name()] {
			pass[f] = append(pass[f], r.kind)
		}
	}
	lines := []string{}
	for _, f := range c.forms {
		lines = append(lines, strings.Join([]string{"claim", f[0], f[1], f[2]}, " "))
	}
	for f, kinds := range pass {
		if !claimedBefore[f] && len(kinds) == all[f] {
			lines = append(lines, "claim "+f.writer+" "+f.wrapper+" *")
			continue
		}
		lines = append(lines, "claim "+f.writer+" "+f.wrapper+" "+strings.Join(kinds, ","))
	}
	sort.Strings(lines)
	lines = slices.Compact(lines)
	var refusals []string
	for k := range c.falseRefusals {
		refusals = append(refusals, "false-refusal "+k)
	}
	sort.Strings(refusals)
	out := strings.Join(c.header, "\n") + "\n" + strings.Join(lines, "\n") + "\n"
	if len(refusals) > 0 {
		out += "\n" + strings.Join(refusals, "\n") + "\n"
	}
	if err := os.WriteFile(claimsFile, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
}
