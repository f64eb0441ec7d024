// Package storestate owns what hush reads of a containers-storage store as
// a whole: the snapshot a build takes before it starts (so it removes only
// what it made, and the guard knows the bases), which names make an image
// a user's, buildah's temporary commit name, layer chains, and how a tag is
// qualified. Builder, the guard, recovery and the caches share it.
//
// It must not import builder or any package under it: it sits below all
// of them, next to storage.
package storestate

import (
	"fmt"
	"regexp"
	"strings"

	"go.podman.io/storage"
)

// Snapshot records what storage held before the build, so a refused build
// can remove exactly what it made, and the guard knows which base images
// were there already.
type Snapshot struct {
	Layers, Images map[string]bool
	// NamedTops holds the top layers of named images, the bases a FROM
	// can name: their layers are the base, not this build's work.
	NamedTops map[string]bool
}

// Take records what store holds now.
func Take(store storage.Store) (Snapshot, error) {
	s := Snapshot{Layers: map[string]bool{}, Images: map[string]bool{}, NamedTops: map[string]bool{}}
	layers, err := store.Layers()
	if err != nil {
		return s, fmt.Errorf("listing layers: %w", err)
	}
	for _, l := range layers {
		s.Layers[l.ID] = true
	}
	images, err := store.Images()
	if err != nil {
		return s, fmt.Errorf("listing images: %w", err)
	}
	for _, i := range images {
		s.Images[i.ID] = true
		if NamedBase(i.Names) && i.TopLayer != "" {
			s.NamedTops[i.TopLayer] = true
		}
	}
	return s, nil
}

// NamedBase says whether an image's names make it a base a FROM can name:
// a stage cache entry is not one (FROM names its image by id, and the
// guard must read the layers it holds above its own base), nor is an
// image under buildah's temporary commit name (BuildahTempName): a
// concurrent build's step being committed, or one a kill left, never
// vouched for.
func NamedBase(names []string) bool {
	for _, n := range names {
		if !strings.HasPrefix(n, "localhost/hush-build-cache:") && !BuildahTempName.MatchString(n) {
			return true
		}
	}
	return false
}

// BuildahTempName is the name buildah gives an image it commits unnamed
// (every --layers step, every stage) while containers/image writes it,
// and takes away once the commit returns (buildah's commit.go,
// nameToRemove); storage spells it docker.io/library/<64 hex>-tmp:latest.
var BuildahTempName = regexp.MustCompile(`(^|/)[0-9a-f]{64}-tmp(:latest)?$`)

// Named: some name of the image is a user's (a tag, or the name of a cache
// entry), not buildah's temporary one. An image whose commit a kill cut
// short between the two keeps the temporary name for good, and with it
// whatever the step copied; it is as unvouched as an unnamed one.
func Named(names []string) bool {
	for _, n := range names {
		if !BuildahTempName.MatchString(n) {
			return true
		}
	}
	return false
}

// LayerChain returns the layers of an image whose top layer is top, top
// down to its base; a layer storage no longer has ends the walk.
func LayerChain(store storage.Store, top string) map[string]bool {
	chain := map[string]bool{}
	for id := top; id != ""; {
		chain[id] = true
		l, err := store.Layer(id)
		if err != nil {
			break
		}
		id = l.Parent
	}
	return chain
}
