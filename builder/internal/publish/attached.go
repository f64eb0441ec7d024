package publish

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/oci/layout"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"
)

// Attach makes the attestation manifest for an image manifest (subject)
// whose config is config. Set on a Target, it turns every OCI layout and
// registry push into an index of [image, attestation manifest], as
// BuildKit writes one (the builder makes it with builder/internal/attest).
type Attach func(ctx context.Context, subject imgspecv1.Descriptor, config []byte) (*Attachment, error)

// Attachment is an attestation manifest and the blobs it names (its
// config and statements); Descriptor is its entry in the index.
type Attachment struct {
	Descriptor imgspecv1.Descriptor
	Manifest   []byte
	Blobs      map[digest.Digest][]byte
}

// attachOCI rewrites the layout entry tag (the image just copied there)
// into an index holding the image and its attestation manifest, the
// index's descriptor taking the image's place under the tag.
func attachOCI(ctx context.Context, dir, tag string, attach Attach) (digest.Digest, error) {
	idx, err := readLayoutIndex(dir)
	if err != nil {
		return "", err
	}
	at := -1
	for i, d := range idx.Manifests {
		if d.Annotations[imgspecv1.AnnotationRefName] == tag {
			at = i
		}
	}
	if at < 0 {
		return "", fmt.Errorf("oci layout %s: no image tagged %q", dir, tag)
	}
	subject := idx.Manifests[at]
	mb, err := readBlob(dir, subject.Digest)
	if err != nil {
		return "", err
	}
	var m imgspecv1.Manifest
	if err := json.Unmarshal(mb, &m); err != nil {
		return "", fmt.Errorf("oci layout %s: image manifest: %w", dir, err)
	}
	cfg, err := readBlob(dir, m.Config.Digest)
	if err != nil {
		return "", err
	}
	var c imgspecv1.Image
	if err := json.Unmarshal(cfg, &c); err != nil {
		return "", fmt.Errorf("oci layout %s: image config: %w", dir, err)
	}
	image := imgspecv1.Descriptor{
		MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size,
		Platform: &imgspecv1.Platform{OS: c.OS, Architecture: c.Architecture, Variant: c.Variant},
	}
	a, err := attach(ctx, image, cfg)
	if err != nil {
		return "", err
	}
	for d, b := range a.Blobs {
		if err := writeBlob(dir, d, b); err != nil {
			return "", err
		}
	}
	if err := writeBlob(dir, a.Descriptor.Digest, a.Manifest); err != nil {
		return "", err
	}
	ib, err := json.Marshal(imgspecv1.Index{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: imgspecv1.MediaTypeImageIndex,
		Manifests: []imgspecv1.Descriptor{image, a.Descriptor},
	})
	if err != nil {
		return "", err
	}
	id := digest.FromBytes(ib)
	if err := writeBlob(dir, id, ib); err != nil {
		return "", err
	}
	idx.Manifests[at] = imgspecv1.Descriptor{
		MediaType: imgspecv1.MediaTypeImageIndex, Digest: id, Size: int64(len(ib)),
		Annotations: subject.Annotations,
	}
	return id, writeLayoutIndex(dir, idx)
}

// staged is the image and its attestations in a private OCI layout, made
// once for every tag a push names.
type staged struct {
	dir string
}

func (st *staged) remove() {
	if st.dir != "" {
		os.RemoveAll(st.dir)
	}
}

// push writes the image and its attestations to the staging layout (the
// first time), then copies the index and every manifest in it to the
// registry unchanged (PreserveDigests: the attestation names the image's
// digest).
func (st *staged) push(ctx context.Context, t Target, src types.ImageReference, tag string) (string, error) {
	if st.dir == "" {
		// The image passed the guard: its layout goes where
		// containers/image keeps big files by default, on disk, not the
		// build's tmpfs (a container's /dev/shm is 64 MiB). Recorded for
		// the sweep after a kill.
		tmp, err := os.MkdirTemp(bigFilesDir, "hush-attest-")
		if err != nil && t.Store != nil {
			// No /var/tmp (container isolation's / holds the stage's base,
			// restricted isolation's links into a tree it cleared): the
			// store's own disk.
			tmp, err = os.MkdirTemp(t.Store.GraphRoot(), "hush-attest-")
		}
		if err != nil {
			return "", fmt.Errorf("push %s: %w", tag, err)
		}
		st.dir = tmp
		if t.Record != nil {
			if err := t.Record(tmp); err != nil {
				return "", fmt.Errorf("push %s: %w", tag, err)
			}
		}
		lref, err := layout.NewReference(tmp, "image")
		if err != nil {
			return "", fmt.Errorf("push %s: %w", tag, err)
		}
		// The base's layers as their own blobs (reuse.go), as for -o
		// type=oci: the push then references them and the registry's copy
		// is mounted or skipped, never recompressed and uploaded again.
		_, err = Copy(ctx, lref, reuseRef{ImageReference: src, store: t.Store, sys: t.Sys}, t.Sys, t.Report)
		if err != nil {
			_, err = Copy(ctx, lref, src, t.Sys, t.Report)
		}
		if err != nil {
			return "", fmt.Errorf("pushing %s: %w", tag, err)
		}
		if _, err := attachOCI(ctx, tmp, "image", t.Attach); err != nil {
			return "", fmt.Errorf("pushing %s: %w", tag, err)
		}
	}
	lref, err := layout.NewReference(st.dir, "image")
	if err != nil {
		return "", fmt.Errorf("push %s: %w", tag, err)
	}
	dest, err := docker.ParseReference("//" + tag)
	if err != nil {
		return "", fmt.Errorf("push %s: %w", tag, err)
	}
	policy, err := signature.NewPolicyContext(&signature.Policy{
		Default: signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()},
	})
	if err != nil {
		return "", err
	}
	defer func() { _ = policy.Destroy() }()
	m, err := copy.Image(ctx, policy, dest, lref, &copy.Options{
		SourceCtx: t.Sys, DestinationCtx: t.Sys, ReportWriter: t.Report,
		ImageListSelection: copy.CopyAllImages, PreserveDigests: true,
	})
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", tag, err)
	}
	d, err := manifest.Digest(m)
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", tag, err)
	}
	return d.String(), nil
}

// bigFilesDir is containers/image's default for big temporary files.
const bigFilesDir = "/var/tmp"

func readLayoutIndex(dir string) (*imgspecv1.Index, error) {
	b, err := os.ReadFile(filepath.Join(dir, imgspecv1.ImageIndexFile))
	if err != nil {
		return nil, fmt.Errorf("oci layout %s: %w", dir, err)
	}
	var idx imgspecv1.Index
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("oci layout %s: index.json: %w", dir, err)
	}
	return &idx, nil
}

// writeLayoutIndex replaces index.json whole (a rename), never leaving a
// half-written one.
func writeLayoutIndex(dir string, idx *imgspecv1.Index) error {
	b, err := json.Marshal(idx)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".hush-index-")
	if err != nil {
		return fmt.Errorf("oci layout %s: %w", dir, err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, imgspecv1.ImageIndexFile))
	}
	if err != nil {
		return fmt.Errorf("oci layout %s: %w", dir, err)
	}
	return nil
}

func blobPath(dir string, d digest.Digest) string {
	return filepath.Join(dir, imgspecv1.ImageBlobsDir, d.Algorithm().String(), d.Encoded())
}

func readBlob(dir string, d digest.Digest) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("oci layout %s: %w", dir, err)
	}
	b, err := os.ReadFile(blobPath(dir, d))
	if err != nil {
		return nil, fmt.Errorf("oci layout %s: %w", dir, err)
	}
	return b, nil
}

func writeBlob(dir string, d digest.Digest, b []byte) error {
	p := blobPath(dir, d)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("oci layout %s: %w", dir, err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return fmt.Errorf("oci layout %s: %w", dir, err)
	}
	return nil
}
