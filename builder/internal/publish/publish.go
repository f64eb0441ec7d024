// Package publish owns a build's outputs: the one table of output types
// (oci, docker, local, tar, load, registry), each with the check made
// before the build starts and the export made after the guard passed the
// image, and the order they run in (exports, then the local tags, then
// registry pushes). A new output type is one row in kinds.
//
// It must not import builder (which hands it a Target), nor the guard, the
// caches, container mode or recovery.
package publish

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hushbuild/hush/builder/internal/imagecopy"
	"go.podman.io/image/v5/docker/reference"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
)

// Output is one destination besides local storage.
type Output struct {
	Type string // a key of kinds
	Dest string // a directory (oci, local) or file (docker, tar); unused for load and registry
	// Names are the tags as docker names them, for load.
	Names []reference.NamedTagged
}

// Target is the image a build made, ready to publish.
type Target struct {
	Store  storage.Store
	ID     string
	Tags   []string // fully qualified; the image gets them once every export succeeded
	Sys    *types.SystemContext
	Report io.Writer // copy progress
	// Record, when set, is told each temporary an export creates beside
	// its destination before it is written, for the sweep after a kill.
	Record func(path string) error
	// Attach, when set, puts an attestation manifest beside the image in
	// OCI layouts and registry pushes (attached.go).
	Attach Attach
}

// kind is one output type: what Check asks of it before the build, and
// what it writes after the guard: export before the image is tagged, push
// (registry) after.
type kind struct {
	asked  bool // Options.Outputs may name it (load comes from --load)
	dest   bool // needs dest=PATH, whose parent must exist
	check  func(o Output, tags []string) error
	export func(ctx context.Context, t Target, src types.ImageReference, name string, o Output) error
	push   bool
}

var kinds = map[string]kind{
	"oci":      {asked: true, dest: true, export: exportOCI},
	"docker":   {asked: true, dest: true, export: exportDocker},
	"local":    {asked: true, dest: true, check: checkLocal, export: exportFS},
	"tar":      {asked: true, dest: true, export: exportFS},
	"load":     {export: loadDaemon},
	"registry": {asked: true, check: needTags, push: true},
}

func needTags(_ Output, tags []string) error {
	if len(tags) == 0 {
		return fmt.Errorf("output type=registry: needs at least one tag naming the registry")
	}
	return nil
}

// Check validates asked-for destinations before the build starts, so a
// typo costs nothing, and returns them with absolute paths (outs is left
// as it was).
func Check(outs []Output, tags []string) ([]Output, error) {
	checked := make([]Output, len(outs))
	for i, o := range outs {
		k, ok := kinds[o.Type]
		if !ok || !k.asked {
			return nil, fmt.Errorf("output type %q: want oci, docker, local, tar or registry", o.Type)
		}
		if k.dest {
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
			o.Dest = abs
		}
		if k.check != nil {
			if err := k.check(o, tags); err != nil {
				return nil, err
			}
		}
		checked[i] = o
	}
	return checked, nil
}

// Published is what Publish made public.
type Published struct {
	ImageID string
	Digest  string // the manifest digest; with a push, the registry's
}

// Publish writes every output, then tags the image, then pushes it. It
// returns the first error, having put the image's names back as they were
// (an image that had none, this build's, is removed), so a failed publish
// leaves nothing under the tags.
func Publish(ctx context.Context, t Target, outs []Output) (_ Published, err error) {
	img, err := t.Store.Image(t.ID)
	if err != nil {
		return Published{}, fmt.Errorf("reading built image: %w", err)
	}
	defer func() {
		if err == nil {
			return
		}
		if len(img.Names) == 0 {
			_, _ = t.Store.DeleteImage(t.ID, true)
		} else {
			_ = t.Store.SetNames(t.ID, img.Names)
		}
	}()
	res := Published{ImageID: img.ID, Digest: img.Digest.String()}
	src, err := is.Transport.ParseStoreReference(t.Store, "@"+t.ID)
	if err != nil {
		return Published{}, fmt.Errorf("referencing built image: %w", err)
	}
	name := "latest"
	if len(t.Tags) > 0 {
		name = t.Tags[0]
	}
	for _, o := range outs {
		if k := kinds[o.Type]; k.export != nil {
			if err := k.export(ctx, t, src, name, o); err != nil {
				return Published{}, err
			}
		}
	}
	if len(t.Tags) > 0 {
		if err := t.Store.AddNames(t.ID, t.Tags); err != nil {
			return Published{}, fmt.Errorf("tagging image: %w", err)
		}
	}
	for _, o := range outs {
		if !kinds[o.Type].push {
			continue
		}
		push := push
		if t.Attach != nil {
			st := &staged{}
			defer st.remove()
			push = st.push
		}
		for _, tag := range t.Tags {
			d, err := push(ctx, t, src, tag)
			if err != nil {
				return Published{}, err
			}
			res.Digest = d
		}
	}
	return res, nil
}

// Copy copies an image hush built or pulls for its cache (imagecopy.Copy).
func Copy(ctx context.Context, dest, src types.ImageReference, sys *types.SystemContext, report io.Writer) ([]byte, error) {
	return imagecopy.Copy(ctx, dest, src, sys, report)
}
