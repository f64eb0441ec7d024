package main

import (
	"fmt"
	"strings"

	"github.com/hushbuild/hush/builder"
)

// attestations reads docker buildx's --provenance and --sbom values:
// true/false (1/0), a bare min or max, or key=value lists (mode=min|max;
// BuildKit's other keys, version= and generator=, are taken and ignored).
// docs/attestations.md says what hush writes for each.
func (d *dockerFlags) attestations() (builder.Attestations, error) {
	a := builder.Attestations{Version: version}
	switch v := d.provenance; v {
	case "":
	case "true", "1":
		a.Provenance = "min"
	case "false", "0":
		a.Provenance = "off"
	case "min", "max":
		a.Provenance = v
	default:
		for _, field := range strings.Split(v, ",") {
			k, val, _ := strings.Cut(field, "=")
			switch k {
			case "mode":
				if val != "min" && val != "max" {
					return a, fmt.Errorf("--provenance %q: mode is min or max", v)
				}
				a.Provenance = val
			case "version", "builder-id", "reproducible", "filename", "inline-only":
			default:
				return a, fmt.Errorf("--provenance %q: want true, false or mode=min|max", v)
			}
		}
		if a.Provenance == "" {
			a.Provenance = "min"
		}
	}
	switch v := d.sbom; v {
	case "", "false", "0":
	case "true", "1":
		a.SBOM = true
	default:
		if !strings.HasPrefix(v, "generator=") {
			return a, fmt.Errorf("--sbom %q: want true or false", v)
		}
		a.SBOM = true
	}
	return a, nil
}
