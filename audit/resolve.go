package audit

import (
	"cmp"
	"path"
	"slices"
	"strings"

	"github.com/hushbuild/hush/secrets/pattern"
)

// resolve turns the layers' raw hits into findings, each runtime or
// hidden. A file in layer i is hidden when a later entry of the same layer,
// or any later layer, deletes it (a whiteout of it or a parent, an opaque
// parent directory), overwrites it, or replaces a parent directory with a
// non-directory; otherwise `docker run` would see it.
func resolve(scans []*LayerScan, refs []LayerRef, instr []string) []Finding {
	var out []Finding
	for i, sc := range scans {
		if sc == nil {
			continue
		}
		for _, h := range sc.hits {
			f := h.f
			ref := refs[i]
			f.Layer = &ref
			f.Instruction = instr[i]
			f.Location = Runtime
			if hb := hiddenBy(scans, refs, i, h.entryPath, h.entryIdx); hb != nil {
				f.Location = Hidden
				f.HiddenBy = hb
			}
			out = append(out, f)
		}
	}
	return out
}

func hiddenBy(scans []*LayerScan, refs []LayerRef, i int, p string, idx int32) *Hider {
	if e, ok := scans[i].entries[p]; ok && e.idx > idx {
		return &Hider{LayerRef: refs[i], How: "overwritten"}
	}
	for j := i + 1; j < len(scans); j++ {
		sc := scans[j]
		if sc == nil {
			continue
		}
		if sc.whiteouts[p] {
			return &Hider{LayerRef: refs[j], How: "whiteout"}
		}
		if _, ok := sc.entries[p]; ok {
			return &Hider{LayerRef: refs[j], How: "overwritten"}
		}
		for a := path.Dir(p); a != "/"; a = path.Dir(a) {
			switch e, ok := sc.entries[a]; {
			case sc.whiteouts[a]:
				return &Hider{LayerRef: refs[j], How: "whiteout"}
			case sc.opaques[a]:
				return &Hider{LayerRef: refs[j], How: "opaque directory"}
			case ok && !e.dir:
				return &Hider{LayerRef: refs[j], How: "parent replaced"}
			}
		}
	}
	return nil
}

// fragRank orders a known secret's fragment kinds, the most telling
// first: when several parts of one secret are in one place, the finding
// names the best.
var fragRank = map[string]int{pattern.FragValue: 0, pattern.FragUserinfo: 1, pattern.FragAuthToken: 2,
	pattern.FragKeyValue: 3, pattern.FragPEM: 4, pattern.FragDER: 5, pattern.FragLine: 6}

// tidy removes repeated findings (one secret found whole, line by line and
// in its URL password in one file is one finding, its Fragment and Encoding
// listing every kind found, the most telling first: "value,url-password";
// a value found several times is one finding) and sorts: metadata first by
// field, then by layer, path, line and rule.
func tidy(in []Finding) []Finding {
	slices.SortStableFunc(in, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(fragRank[a.Fragment], fragRank[b.Fragment]), cmp.Compare(a.Encoding, b.Encoding))
	})
	type fkey struct {
		loc                                            Location
		rule, id, frag, enc, detail, path, link, field string
		layer, line                                    int
		inName                                         bool
	}
	key := func(f Finding) fkey {
		li := -1
		if f.Layer != nil {
			li = f.Layer.Index
		}
		if f.Rule == RuleKnownSecret {
			return fkey{f.Location, f.Rule, f.SecretID, "", "", f.Detail, f.Path, f.LinkTo, f.Field, li, 0, f.InName}
		}
		return fkey{f.Location, f.Rule, f.SecretID, f.Fragment, f.Encoding, f.Detail, f.Path, f.LinkTo, f.Field, li, f.Line, f.InName}
	}
	seen := map[fkey]int{}
	out := in[:0:0]
	for _, f := range in {
		k := key(f)
		if i, ok := seen[k]; ok {
			if f.Rule == RuleKnownSecret {
				out[i].Fragment = addTo(out[i].Fragment, f.Fragment)
				out[i].Encoding = addTo(out[i].Encoding, f.Encoding)
			}
			continue
		}
		seen[k] = len(out)
		out = append(out, f)
	}
	order := map[Location]int{Metadata: 0, Runtime: 1, Hidden: 1}
	slices.SortStableFunc(out, func(a, b Finding) int {
		if c := cmp.Compare(order[a.Location], order[b.Location]); c != 0 {
			return c
		}
		la, lb := -1, -1
		if a.Layer != nil {
			la = a.Layer.Index
		}
		if b.Layer != nil {
			lb = b.Layer.Index
		}
		return cmp.Or(cmp.Compare(la, lb), cmp.Compare(a.Field, b.Field), cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Line, b.Line), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.SecretID, b.SecretID),
			cmp.Compare(a.Detail, b.Detail))
	})
	return out
}

// addTo appends item to a comma-separated list unless it is there.
func addTo(list, item string) string {
	if item == "" || slices.Contains(strings.Split(list, ","), item) {
		return list
	}
	if list == "" {
		return item
	}
	return list + "," + item
}
