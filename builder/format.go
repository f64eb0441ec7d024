package builder

import (
	"context"
	"fmt"
	"strings"

	"github.com/hushbuild/hush/builder/internal/ociconv"
	"github.com/hushbuild/hush/builder/internal/storestate"
	"go.podman.io/buildah/define"
	"go.podman.io/storage"
)

// ImageFormat is the media types of the image hush writes.
type ImageFormat string

const (
	// FormatOCI: OCI manifest and config, the config carrying Docker's
	// Healthcheck, Shell and OnBuild as BuildKit writes them.
	FormatOCI ImageFormat = "oci"
	// FormatDocker: Docker schema 2, for registries and tools that want
	// Docker's media types.
	FormatDocker ImageFormat = "docker"
)

// applyFormat has buildah commit docker format whatever the format asked
// for: buildah drops HEALTHCHECK, SHELL and ONBUILD from OCI images, and
// toFormat makes the OCI image from the docker one.
func (p *plan) applyFormat(f ImageFormat) error {
	switch f {
	case "", FormatOCI:
		p.format = FormatOCI
	case FormatDocker:
		p.format = FormatDocker
	default:
		return fmt.Errorf("%q: want oci or docker", string(f))
	}
	p.opts.OutputFormat = define.Dockerv2ImageManifest
	return nil
}

// toFormat returns the image the build hands on: id itself for
// FormatDocker, else its OCI form (builder/internal/ociconv). The docker
// image is removed unless something still needs it: storage held it
// before, buildah's --layers cache (which finds only images of the format
// it commits), or the stage cache, which records it under its key.
func (p *plan) toFormat(ctx context.Context, store storage.Store, before storestate.Snapshot, id string) (string, error) {
	if p.format == FormatDocker {
		return id, nil
	}
	ann := map[string]string{}
	for _, a := range p.opts.Annotations {
		k, v, _ := strings.Cut(a, "=")
		ann[k] = v
	}
	oci, err := ociconv.ToOCI(ctx, store, p.sys, id, ann)
	if oci != id && !before.Images[id] && !p.opts.Layers && !p.cache.Records(id) {
		if img, err := store.Image(id); err == nil && len(img.Names) == 0 {
			_, _ = store.DeleteImage(id, true)
		}
	}
	if err != nil {
		return "", fmt.Errorf("writing the OCI image: %w", err)
	}
	return oci, nil
}
