package index

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/hushbuild/hush/builder/internal/imagecopy"
	digest "github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/oci/layout"
	"go.podman.io/image/v5/types"
)

// Stage copies each image into its own OCI layout under dir, layers
// compressed as a push compresses them, and returns references to them.
// A registry then receives these manifests as they are (no layer is
// compressed again), so their digests are the ones attachments must name:
// an image in local storage has another digest than the one a push gives
// it. The images are hush's own, past the guard: imagecopy's copy.
func Stage(ctx context.Context, sys *types.SystemContext, dir string, images []types.ImageReference) ([]types.ImageReference, []Staged, error) {
	refs := make([]types.ImageReference, len(images))
	staged := make([]Staged, len(images))
	for i, img := range images {
		ref, err := layout.NewReference(filepath.Join(dir, strconv.Itoa(i)), "")
		if err != nil {
			return nil, nil, err
		}
		raw, err := imagecopy.Copy(ctx, ref, img, sys, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("staging image %d for the index: %w", i, err)
		}
		d, err := manifest.Digest(raw)
		if err != nil {
			return nil, nil, err
		}
		refs[i], staged[i] = ref, Staged{Digest: d, Manifest: raw}
	}
	return refs, staged, nil
}

// Staged is an image as its index entry will name it.
type Staged struct {
	Digest   digest.Digest
	Manifest []byte
}
