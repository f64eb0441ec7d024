package tests

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// This file compares two images as buildah v1.45.0's tests/conformance
// does (its compareJSON, FSTree, applyLayerToFSTree and skip lists), ported
// rather than imported: that harness drives buildah in-process, this one
// compares what the hush binary and docker wrote.

// ociSkip: the config fields the suite does not compare (its ociSkip).
var ociSkip = []string{"created", "history", "rootfs:diff_ids"}

// conformanceFSSkip: the suite's fsSkip, what RUN synthesises.
var conformanceFSSkip = []string{"(dir):dev:mtime", "(dir):proc:mtime", "(dir):sys:mtime", "(dir):etc:mtime"}

// ociFields is the config as OCI and BuildKit (its dockerspec) write it:
// the OCI image config plus Docker's Healthcheck, OnBuild and Shell. The
// suite compares configs after containers/image turns both into OCI; that
// drops the Docker fields, which hush keeps, so they are compared too.
var ociFields = map[string][]string{
	"": {"created", "author", "architecture", "os", "os.version", "os.features", "variant", "config", "rootfs", "history"},
	"config": {"User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels", "StopSignal",
		"ArgsEscaped", "Healthcheck", "OnBuild", "Shell"},
}

// ociView reads a config blob as the OCI fields, leaving out what is
// empty (docker writes "Volumes": null where OCI omits the field) and
// buildah's identity label, as the suite does.
func ociView(blob []byte) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(blob, &m); err != nil {
		return nil, err
	}
	keep := func(m map[string]any, fields []string) {
		for k, v := range m {
			if !slices.Contains(fields, k) || isEmpty(v) {
				delete(m, k)
			}
		}
	}
	keep(m, ociFields[""])
	if c, ok := m["config"].(map[string]any); ok {
		if l, ok := c["Labels"].(map[string]any); ok {
			delete(l, "io.buildah.version")
		}
		keep(c, ociFields["config"])
	}
	return m, nil
}

func isEmpty(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map, reflect.Slice, reflect.String:
		return rv.Len() == 0
	case reflect.Bool:
		return !rv.Bool()
	}
	return false
}

// difference is one field or file attribute the two images disagree on.
type difference struct {
	key          string // config:WorkingDir, fs:/tmp:mtime
	docker, hush string // "" where missing
}

func (d difference) String() string {
	return fmt.Sprintf("%s (docker %s, hush %s)", d.key, orNone(d.docker), orNone(d.hush))
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// compareJSON is the suite's: a field only in a is missing, only in b is
// extra, arrays compare as sets, nil equals empty; skip names fields by
// their path (a:b:c), case-insensitively. prefix names where a and b sit.
func compareJSON(prefix string, a, b map[string]any, skip []string) []difference {
	var out []difference
	show := func(v any) string {
		if v == nil {
			return "null"
		}
		j, _ := json.Marshal(v)
		return string(j)
	}
	skipped := func(k string) bool {
		return slices.ContainsFunc(skip, func(s string) bool { return strings.EqualFold(s, k) })
	}
	for _, k := range sortedKeys(a) {
		v := a[k]
		vb, ok := b[k]
		if skipped(k) {
			continue
		}
		switch {
		case !ok:
			out = append(out, difference{prefix + k, show(v), ""})
		case reflect.TypeOf(v) != reflect.TypeOf(vb):
			if (v == nil && isLenZero(vb)) || (vb == nil && isLenZero(v)) {
				continue
			}
			out = append(out, difference{prefix + k, show(v), show(vb)})
		default:
			switch v := v.(type) {
			case map[string]any:
				var next []string
				for _, s := range skip {
					if after, ok := strings.CutPrefix(s, k+":"); ok {
						next = append(next, after)
					}
				}
				out = append(out, compareJSON(prefix+k+":", v, vb.(map[string]any), next)...)
			case []any:
				if !sameSet(v, vb.([]any)) {
					out = append(out, difference{prefix + k, show(v), show(vb)})
				}
			default:
				if !reflect.DeepEqual(v, vb) {
					out = append(out, difference{prefix + k, show(v), show(vb)})
				}
			}
		}
	}
	for _, k := range sortedKeys(b) {
		if _, ok := a[k]; !ok && !skipped(k) {
			out = append(out, difference{prefix + k, "", show(b[k])})
		}
	}
	return out
}

func isLenZero(v any) bool {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map, reflect.Slice, reflect.String, reflect.Array:
		return rv.Len() == 0
	}
	return false
}

func sameSet(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]bool{}
	for _, x := range b {
		j, _ := json.Marshal(x)
		m[string(j)] = true
	}
	for _, x := range a {
		if j, _ := json.Marshal(x); !m[string(j)] {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// fsKey turns the suite's (dir):a:(dir):b:mode into /a/b:mode.
func fsKey(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, ":(dir):", "/"), "(dir):", "/")
}

// compareImages is the suite's comparison of docker's image and hush's:
// configs (as OCI, see ociView) and filesystems; extra content in hush's
// counts only where the case says failOnExtraFSContent.
func compareImages(docker, hush *confImage, fsSkip []string, failOnExtra bool) ([]difference, error) {
	dc, err := ociView(docker.config)
	if err != nil {
		return nil, fmt.Errorf("docker config: %w", err)
	}
	hc, err := ociView(hush.config)
	if err != nil {
		return nil, fmt.Errorf("hush config: %w", err)
	}
	diffs := compareJSON("config:", dc, hc, ociSkip)
	for i := range diffs {
		diffs[i].key = strings.Replace(diffs[i].key, "config:config:", "config:", 1)
	}
	for _, d := range compareJSON("", docker.fs, hush.fs, append(slices.Clone(conformanceFSSkip), fsSkip...)) {
		if d.docker == "" && !failOnExtra {
			continue // the suite fails on extra content only where asked
		}
		d.key = "fs:" + fsKey(d.key)
		if len(d.docker) > 80 || len(d.hush) > 80 { // a whole directory
			d.docker, d.hush = abbrev(d.docker), abbrev(d.hush)
		}
		diffs = append(diffs, d)
	}
	return diffs, nil
}

func abbrev(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
