package audit

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/hushbuild/hush/audit/heuristic"
)

// historyEntry is one entry of an image config's history.
type historyEntry struct {
	CreatedBy  string `json:"created_by"`
	EmptyLayer bool   `json:"empty_layer"`
}

// LayerInstructions maps history entries that made a layer (empty_layer
// false) to the layers, bottom first. When the counts disagree (some tools
// write no history) no instruction is given rather than a wrong one.
func LayerInstructions(config []byte, layers int) []string {
	var cfg struct {
		History []historyEntry `json:"history"`
	}
	out := make([]string, layers)
	if json.Unmarshal(config, &cfg) != nil {
		return out
	}
	var made []string
	for _, h := range cfg.History {
		if !h.EmptyLayer {
			made = append(made, h.CreatedBy)
		}
	}
	if len(made) == layers {
		copy(out, made)
	}
	return out
}

var historyField = regexp.MustCompile(`^history\[(\d+)\]`)

// scanMetadata checks every string of the config (env, labels, cmd,
// entrypoint, history, comments, the docker container_config) and of the
// manifest (annotations): known values anywhere, keys included; heuristics
// on ENV entries, LABELs, annotations and free text.
func (s *scanner) scanMetadata(config, manifest []byte) []Finding {
	var out []Finding
	var hist []historyEntry
	var cfg struct {
		History []historyEntry `json:"history"`
	}
	if json.Unmarshal(config, &cfg) == nil {
		hist = cfg.History
	}
	instruction := func(field string) string {
		if m := historyField.FindStringSubmatch(field); m != nil {
			var i int
			fmt.Sscan(m[1], &i)
			if i < len(hist) {
				return s.redact(hist[i].CreatedBy)
			}
		}
		return ""
	}
	check := func(root string, raw []byte) {
		var v any
		if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
			return
		}
		walkStrings(root, "", "", v, func(l leaf) {
			if s.set != nil {
				for _, m := range s.set.Find([]byte(l.s)) {
					out = append(out, Finding{Location: Metadata, Rule: RuleKnownSecret, SecretID: m.SecretID,
						Fragment: m.Fragment, Encoding: m.Encoding, Field: s.redact(l.field), Instruction: instruction(l.field)})
				}
			}
			if !s.heur || l.isKey {
				return
			}
			var hits []heuristic.Hit
			switch {
			case l.owner == "Env":
				k, v, _ := strings.Cut(l.s, "=")
				hits = heuristic.ScanAssignment("ENV", k, v)
			case l.owner == "Labels":
				hits = heuristic.ScanAssignment("LABEL", l.key, l.s)
			case l.owner == "annotations":
				hits = heuristic.ScanAssignment("annotation", l.key, l.s)
			default:
				hits = heuristic.ScanText(l.s)
			}
			for _, h := range hits {
				out = append(out, Finding{Location: Metadata, Rule: h.Rule, Detail: s.redact(h.Detail),
					Field: s.redact(l.field), Instruction: instruction(l.field)})
			}
		})
	}
	check("", config)
	check("manifest", manifest)
	return out
}

// leaf is one string of a JSON document: its field path, the name of the
// object or array holding it, and for object members the key.
type leaf struct {
	field, owner, key, s string
	isKey                bool
}

// walkStrings calls fn for every string in a decoded JSON value, and for
// every object key (labels and annotations can hide values in keys).
func walkStrings(field, owner, key string, v any, fn func(leaf)) {
	join := func(k string) string {
		if field == "" {
			return k
		}
		return field + "." + k
	}
	switch t := v.(type) {
	case string:
		fn(leaf{field: field, owner: owner, key: key, s: t})
	case []any:
		name := field[strings.LastIndexAny(field, ".]")+1:]
		for i, e := range t {
			walkStrings(fmt.Sprintf("%s[%d]", field, i), name, "", e, fn)
		}
	case map[string]any:
		name := field[strings.LastIndexAny(field, ".]")+1:]
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fn(leaf{field: join(k) + " (key)", owner: name, key: k, s: k, isKey: true})
			walkStrings(join(k), name, k, t[k], fn)
		}
	}
}
