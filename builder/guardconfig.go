package builder

import (
	"strings"
)

// merge makes one finding per place and secret for the checks made before
// the build (build args, labels, tags): a value matched whole, line by line
// and as a password fragment is one finding listing the three fragment
// kinds (and encodings), as audit's findings do.
func merge(in []Finding) []Finding {
	index := map[string]int{}
	var out []Finding
	for _, f := range in {
		k := f.Image + "\x00" + f.Field + "\x00" + f.Path + "\x00" + f.SecretID
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
