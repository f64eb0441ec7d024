package builder

import (
	"context"
	"fmt"
	"os"
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

// toFormat returns the image the build hands on: id with docker's history
// (history.go), for FormatOCI in its OCI form (builder/internal/ociconv),
// with the config fields buildah writes otherwise than docker build set as
// docker does (ociconv.Edit) in either format. The docker image buildah
// committed is removed unless something still needs it: storage held it
// before, buildah's --layers cache (which finds only images of the format
// it commits), or the stage cache, which records it under its key.
func (p *plan) toFormat(ctx context.Context, store storage.Store, before storestate.Snapshot, id string) (string, error) {
	o := ociconv.Options{OCI: p.format != FormatDocker, Annotations: map[string]string{}, Edit: p.configEdit()}
	for _, a := range p.opts.Annotations {
		k, v, _ := strings.Cut(a, "=")
		o.Annotations[k] = v
	}
	// The history as docker writes it (history.go); buildah's stays on
	// the images its --layers cache reads.
	hist, err := p.dockerHistory(store, id)
	if err != nil {
		fmt.Fprintf(p.stderr, "hush: warning: image history kept as buildah wrote it: %v\n", err)
	}
	o.History = hist
	newID, err := ociconv.Rewrite(ctx, store, p.sys, id, o)
	if newID != id && !before.Images[id] && !p.opts.Layers && !p.cache.Records(id) {
		if img, err := store.Image(id); err == nil && len(img.Names) == 0 {
			_, _ = store.DeleteImage(id, true)
		}
	}
	if err != nil {
		return "", fmt.Errorf("writing the image: %w", err)
	}
	return newID, nil
}

// configEdit reads the Dockerfile for ociconv.Edit.
func (p *plan) configEdit() ociconv.Edit {
	f, err := os.Open(p.dockerfile)
	if err != nil {
		return ociconv.Edit{}
	}
	defer f.Close()
	return ociconv.EditFor(f, p.opts.Target)
}
