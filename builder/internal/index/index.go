// Package index owns multi-platform images: one manifest list / OCI image
// index over per-platform images, with the extra manifests each platform
// brings (attestations), stored in local storage and pushed. It is
// go.podman.io/common/libimage/manifests underneath, what `buildah
// manifest` and podman use, so the list is one podman and buildah read and
// its push copies each instance as theirs does.
//
// Each platform is an Entry: its image and its Attachments. An attachment
// is any manifest the caller can name by reference (an OCI layout it
// wrote, an image in storage) and the annotations of its index entry;
// AttestationAnnotations gives BuildKit's for an attestation manifest.
//
// It must not import builder, the guard, the caches, container mode,
// recovery, nor secrets or audit: it joins images someone else decided to
// keep.
package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	digest "github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/common/libimage/manifests"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/transports"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
)

// Entry is one platform of the index.
type Entry struct {
	// Image is the platform's image: in local storage
	// (containers-storage:@ID) for a build, in a registry (docker://) for
	// `hush manifest create`. Its config gives the entry's os, arch and
	// variant; only its manifest and config are read.
	Image types.ImageReference
	// Attachments are further manifests that come with this image, each
	// its own index entry after the image's.
	Attachments []Attachment
}

// Attachment is one extra manifest in the index, e.g. the attestation
// manifest BuildKit adds per platform.
type Attachment struct {
	// Ref names the manifest with its blobs: any transport, e.g. an OCI
	// layout directory (oci:DIR) that must exist until the index is
	// pushed. Its config's os/arch, when it has none, become
	// unknown/unknown, as BuildKit's attestation manifests say.
	Ref types.ImageReference
	// Annotations of the index entry; for an attestation,
	// AttestationAnnotations(image digest).
	Annotations map[string]string
	// For, when set, is called with the digest of the entry's image
	// manifest and returns annotations merged over Annotations: the image
	// digest is known only once the image is in the index.
	For func(image digest.Digest) map[string]string
}

// The index entry annotations BuildKit gives an attestation manifest.
const (
	AnnotationReferenceType   = "vnd.docker.reference.type"
	AnnotationReferenceDigest = "vnd.docker.reference.digest"
	ReferenceTypeAttestation  = "attestation-manifest"
)

// AttestationAnnotations are the index entry annotations of an
// attestation manifest for the image manifest d, as BuildKit writes them.
func AttestationAnnotations(d digest.Digest) map[string]string {
	return map[string]string{AnnotationReferenceType: ReferenceTypeAttestation, AnnotationReferenceDigest: d.String()}
}

// Index is an assembled list, not yet stored.
type Index struct {
	list   manifests.List
	Images []digest.Digest // each entry's image manifest digest, in Entry order
	mime   string          // the list's media type: OCI index unless every image is docker schema2
}

// Assemble reads each entry's manifest and config (no layers) and joins
// them into one list. Two entries for one platform are an error.
func Assemble(ctx context.Context, sys *types.SystemContext, entries []Entry) (*Index, error) {
	if len(entries) == 0 {
		return nil, errors.New("no images to join")
	}
	ix := &Index{list: manifests.Create(), mime: v1.MediaTypeImageIndex}
	seen := map[string]string{}
	docker := true
	for _, e := range entries {
		name := transports.ImageName(e.Image)
		d, err := ix.list.Add(ctx, sys, e.Image, false)
		if err != nil {
			return nil, fmt.Errorf("adding %s: %w", name, err)
		}
		plat := ix.platform(d)
		if prev, dup := seen[plat]; dup {
			return nil, fmt.Errorf("%s and %s are both %s: one image per platform", prev, name, plat)
		}
		seen[plat] = name
		if mt, _ := ix.list.MediaType(d); mt != manifest.DockerV2Schema2MediaType {
			docker = false
		}
		ix.Images = append(ix.Images, d)
		for _, a := range e.Attachments {
			if err := ix.attach(ctx, sys, d, a); err != nil {
				return nil, fmt.Errorf("attaching %s to %s: %w", transports.ImageName(a.Ref), name, err)
			}
			docker = false // attestation manifests are OCI manifests
		}
	}
	if docker {
		ix.mime = manifest.DockerV2ListMediaType
	}
	return ix, nil
}

func (ix *Index) platform(d digest.Digest) string {
	os, _ := ix.list.OS(d)
	arch, _ := ix.list.Architecture(d)
	s := os + "/" + arch
	if v, _ := ix.list.Variant(d); v != "" {
		s += "/" + v
	}
	return s
}

func (ix *Index) attach(ctx context.Context, sys *types.SystemContext, image digest.Digest, a Attachment) error {
	d, err := ix.list.Add(ctx, sys, a.Ref, false)
	if err != nil {
		return err
	}
	if os, _ := ix.list.OS(d); os == "" {
		if err := ix.list.SetOS(d, "unknown"); err != nil {
			return err
		}
	}
	if arch, _ := ix.list.Architecture(d); arch == "" {
		if err := ix.list.SetArchitecture(d, "unknown"); err != nil {
			return err
		}
	}
	ann := map[string]string{}
	for k, v := range a.Annotations {
		ann[k] = v
	}
	if a.For != nil {
		for k, v := range a.For(image) {
			ann[k] = v
		}
	}
	if len(ann) > 0 {
		return ix.list.SetAnnotations(&d, ann)
	}
	return nil
}

// Bytes is the serialized index.
func (ix *Index) Bytes() ([]byte, error) { return ix.list.Serialize(ix.mime) }

// Digest is the index's digest.
func (ix *Index) Digest() (digest.Digest, error) {
	b, err := ix.Bytes()
	if err != nil {
		return "", err
	}
	return manifest.Digest(b)
}

// Save stores the list in local storage as an image named names (which
// move to it from any image that held them), with the index digest's hex
// as its id, and returns the id. Saving the same index again updates it.
func (ix *Index) Save(store storage.Store, names []string) (string, error) {
	d, err := ix.Digest()
	if err != nil {
		return "", err
	}
	id, err := ix.list.SaveToImage(store, d.Encoded(), names, ix.mime)
	if err != nil {
		return "", err
	}
	if len(names) > 0 {
		// Saved before under this id: SaveToImage updated its data only.
		if err := store.AddNames(id, names); err != nil {
			return "", err
		}
	}
	// Read back: a list saved over an existing id does not learn which
	// image holds it, and Push needs that.
	_, l, err := manifests.LoadFromImage(store, id)
	if err != nil {
		return "", err
	}
	ix.list = l
	return id, nil
}

// SaveUnnamed stores the list under a fresh id, for a push only; the
// caller deletes it.
func (ix *Index) SaveUnnamed(store storage.Store) (string, error) {
	return ix.list.SaveToImage(store, "", nil, ix.mime)
}

// Push copies the saved list and every instance it holds to dest (a
// registry reference or an OCI layout) and returns the digest of the index
// written. Blobs dest already has are not copied again.
func (ix *Index) Push(ctx context.Context, store storage.Store, sys *types.SystemContext, dest types.ImageReference, report io.Writer) (digest.Digest, error) {
	return Push(ctx, ix.list, store, sys, dest, report)
}

// Push pushes a list loaded from storage (Load) or assembled and saved.
func Push(ctx context.Context, list manifests.List, store storage.Store, sys *types.SystemContext, dest types.ImageReference, report io.Writer) (digest.Digest, error) {
	retries := uint(2)
	_, d, err := list.Push(ctx, dest, manifests.PushOptions{
		Store: store, SystemContext: sys, ImageListSelection: copy.CopyAllImages,
		ReportWriter: report, MaxRetries: &retries,
	})
	if err != nil {
		return "", fmt.Errorf("pushing index to %s: %w", transports.ImageName(dest), err)
	}
	return d, nil
}

// Load reads a list stored in local storage (by name or id).
func Load(store storage.Store, name string) (string, manifests.List, error) {
	return manifests.LoadFromImage(store, name)
}

// Platforms lists an index's entries as os/arch[/variant] with their
// digests, attachments included, for messages and tests.
func Platforms(raw []byte) ([]v1.Descriptor, error) {
	var ix v1.Index
	if err := json.Unmarshal(raw, &ix); err != nil {
		return nil, fmt.Errorf("reading index: %w", err)
	}
	if !manifest.MIMETypeIsMultiImage(manifest.GuessMIMEType(raw)) {
		return nil, errors.New("not a manifest list or image index")
	}
	return ix.Manifests, nil
}
