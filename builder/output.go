package builder

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hushbuild/hush/builder/internal/unpack"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/archive"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/oci/layout"
	"go.podman.io/image/v5/signature"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
)

// checkOutputs validates -o destinations before the build starts, so a typo
// costs nothing.
func checkOutputs(outs []Output, tags []string) ([]Output, error) {
	for i, o := range outs {
		switch o.Type {
		case OutputOCI, OutputDocker, OutputLocal, OutputTar:
			if o.Dest == "" || o.Dest == "-" {
				return nil, fmt.Errorf("output type=%s: dest=PATH is required (stdout is not supported)", o.Type)
			}
			abs, err := filepath.Abs(o.Dest)
			if err != nil {
				return nil, fmt.Errorf("output dest %s: %w", o.Dest, err)
			}
			if fi, err := os.Stat(filepath.Dir(abs)); err != nil || !fi.IsDir() {
				return nil, fmt.Errorf("output dest %s: parent directory does not exist", o.Dest)
			}
			if o.Type == OutputLocal {
				// Renamed onto DEST whole (exportfs.go): only an empty one.
				if err := unpack.Replaceable(abs); err != nil {
					return nil, fmt.Errorf("output local: %w", err)
				}
			}
			outs[i].Dest = abs
		case OutputRegistry:
			if len(tags) == 0 {
				return nil, fmt.Errorf("output type=registry: needs at least one tag naming the registry")
			}
		default:
			return nil, fmt.Errorf("output type %q: want oci, docker, local, tar or registry", o.Type)
		}
	}
	return outs, nil
}

// finish publishes a built image: exports first, then the local tags, then
// registry pushes. It returns the first error; the caller then removes the
// image, so a failed publish leaves nothing under the tag.
func finish(ctx context.Context, store storage.Store, id string, p *plan) (_ *Result, err error) {
	img, err := store.Image(id)
	if err != nil {
		return nil, fmt.Errorf("reading built image: %w", err)
	}
	// On failure, put the names back as they were: an image that had none
	// (this build's) goes; one an earlier build had named keeps its names.
	defer func() {
		if err == nil {
			return
		}
		if len(img.Names) == 0 {
			_, _ = store.DeleteImage(id, true)
		} else {
			_ = store.SetNames(id, img.Names)
		}
	}()
	res := &Result{ImageID: img.ID, Digest: img.Digest.String(), Tags: p.tags}
	src, err := is.Transport.ParseStoreReference(store, "@"+id)
	if err != nil {
		return nil, fmt.Errorf("referencing built image: %w", err)
	}
	name := "latest"
	if len(p.tags) > 0 {
		name = p.tags[0]
	}
	for _, o := range p.outputs {
		var err error
		switch o.Type {
		case OutputOCI:
			err = exportOCI(ctx, src, o.Dest, name, p)
		case OutputDocker:
			err = exportDocker(ctx, src, o.Dest, name, p)
		case OutputLocal, OutputTar:
			err = exportFS(ctx, store, id, o, p.recordTemp)
		case OutputLoad:
			err = loadDaemon(ctx, src, o.names, p)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(p.tags) > 0 {
		if err := store.AddNames(id, p.tags); err != nil {
			return nil, fmt.Errorf("tagging image: %w", err)
		}
	}
	for _, o := range p.outputs {
		if o.Type != OutputRegistry {
			continue
		}
		for _, t := range p.tags {
			d, err := push(ctx, src, t, p)
			if err != nil {
				return nil, err
			}
			res.Digest = d
		}
	}
	return res, nil
}

func exportOCI(ctx context.Context, src types.ImageReference, dir, name string, p *plan) error {
	tag := name
	if nt, err := qualify(name); err == nil {
		tag = nt.Tag()
	}
	dest, err := layout.NewReference(dir, tag)
	if err != nil {
		return fmt.Errorf("output oci %s: %w", dir, err)
	}
	_, err = copyImage(ctx, dest, src, p)
	if err != nil {
		return fmt.Errorf("writing oci layout %s: %w", dir, err)
	}
	return nil
}

// exportDocker writes a docker-archive beside its destination and renames
// it into place, so a failed export never leaves a truncated tarball.
func exportDocker(ctx context.Context, src types.ImageReference, file, name string, p *plan) error {
	tmp := file + ".hush-partial"
	_ = os.Remove(tmp)
	var dest types.ImageReference
	var err error
	if nt, qerr := qualify(name); qerr == nil && len(p.tags) > 0 {
		dest, err = archive.NewReference(tmp, nt)
	} else {
		dest, err = archive.NewReference(tmp, nil)
	}
	if err != nil {
		return fmt.Errorf("output docker %s: %w", file, err)
	}
	if _, err := copyImage(ctx, dest, src, p); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing docker archive %s: %w", file, err)
	}
	if err := os.Rename(tmp, file); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing docker archive %s: %w", file, err)
	}
	return nil
}

func push(ctx context.Context, src types.ImageReference, tag string, p *plan) (string, error) {
	dest, err := docker.ParseReference("//" + tag)
	if err != nil {
		return "", fmt.Errorf("push %s: %w", tag, err)
	}
	m, err := copyImage(ctx, dest, src, p)
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", tag, err)
	}
	d, err := manifest.Digest(m)
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", tag, err)
	}
	return d.String(), nil
}

// copyImage copies our own freshly built image; there is no signature to
// check on it, so the policy accepts anything.
func copyImage(ctx context.Context, dest, src types.ImageReference, p *plan) ([]byte, error) {
	policy, err := signature.NewPolicyContext(&signature.Policy{
		Default: signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()},
	})
	if err != nil {
		return nil, err
	}
	defer func() { _ = policy.Destroy() }()
	return copy.Image(ctx, policy, dest, src, &copy.Options{
		SourceCtx:      p.sys,
		DestinationCtx: p.sys,
		ReportWriter:   p.opts.ReportWriter,
	})
}
