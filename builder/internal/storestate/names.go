package storestate

import (
	"fmt"
	"strings"

	"go.podman.io/image/v5/docker/reference"
)

// Qualify gives a tag the name podman and buildah would: a short name lives
// under localhost/, and a missing tag is :latest.
func Qualify(tag string) (reference.NamedTagged, error) {
	name := tag
	first, _, hasSlash := strings.Cut(tag, "/")
	if !hasSlash || !(strings.ContainsAny(first, ".:") || first == "localhost") {
		name = "localhost/" + tag
	}
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return nil, fmt.Errorf("tag %q: %w", tag, err)
	}
	if _, ok := named.(reference.Digested); ok {
		return nil, fmt.Errorf("tag %q: a digest cannot be used as a tag", tag)
	}
	nt, ok := reference.TagNameOnly(named).(reference.NamedTagged)
	if !ok {
		return nil, fmt.Errorf("tag %q: not a name:tag", tag)
	}
	return nt, nil
}
