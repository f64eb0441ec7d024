package builder

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"go.podman.io/storage"

	"github.com/hushbuild/hush/secrets/pattern"
)

// scanConfig checks every string in an image's config (env, labels,
// entrypoint, cmd, onbuild, history) and manifests (annotations), naming
// each hit by its JSON path.
func scanConfig(store storage.Store, img storage.Image, set *pattern.Set) []Finding {
	var out []Finding
	add := func(doc string, raw []byte) {
		var v any
		if json.Unmarshal(raw, &v) != nil {
			return
		}
		walkStrings(doc, v, func(path, s string) {
			for _, m := range set.Find([]byte(s)) {
				out = append(out, Finding{Image: img.ID, Field: path, SecretID: m.SecretID, Fragment: m.Fragment, Encoding: m.Encoding})
			}
		})
	}
	if raw, err := configBlob(store, img); err == nil {
		add("config", raw)
	}
	keys, _ := store.ListImageBigData(img.ID)
	for _, k := range keys {
		if strings.HasPrefix(k, "manifest") {
			if raw, err := store.ImageBigData(img.ID, k); err == nil {
				add("manifest", raw)
			}
		}
	}
	return out
}

// walkStrings calls fn for every string in a decoded JSON value, and for
// every object key (labels and annotations can hide values in keys).
func walkStrings(path string, v any, fn func(path, s string)) {
	switch t := v.(type) {
	case string:
		fn(path, t)
	case []any:
		for i, e := range t {
			walkStrings(fmt.Sprintf("%s[%d]", path, i), e, fn)
		}
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fn(path+"."+k+"(key)", k)
			walkStrings(path+"."+k, t[k], fn)
		}
	}
}

// merge makes one finding per place and secret: a value matched whole,
// line by line and as a password fragment is one finding listing the three
// fragment kinds (and encodings).
func merge(in []Finding) []Finding {
	index := map[string]int{}
	var out []Finding
	for _, f := range in {
		k := f.Image + "\x00" + f.Field + "\x00" + f.Layer + "\x00" + f.Path + "\x00" + f.SecretID
		i, ok := index[k]
		if !ok {
			index[k] = len(out)
			out = append(out, f)
			continue
		}
		out[i].Fragment = addTo(out[i].Fragment, f.Fragment)
		out[i].Encoding = addTo(out[i].Encoding, f.Encoding)
	}
	return out
}

func addTo(list, item string) string {
	for _, x := range strings.Split(list, ",") {
		if x == item {
			return list
		}
	}
	return list + "," + item
}
