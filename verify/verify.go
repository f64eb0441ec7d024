package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/oci/layout"
	"go.podman.io/image/v5/pkg/blobinfocache/none"
	"go.podman.io/image/v5/types"
)

// The attestation layout and the guard predicate (builder/internal/attest
// writes them; docs/attestations.md documents them).
const (
	mediaTypeInToto         = "application/vnd.in-toto+json"
	annotationPredicateType = "in-toto.io/predicate-type"
	annotationRefType       = "vnd.docker.reference.type"
	annotationRefDigest     = "vnd.docker.reference.digest"
	refTypeAttestation      = "attestation-manifest"
	predicateGuard          = "https://hush.build/guard/v1"
)

// maxBlob bounds what is read of a manifest or statement: a guard
// statement lists layers and claims, far below it.
const maxBlob = 16 << 20

// Options say which image to verify and how to reach it.
type Options struct {
	// Image is a registry reference (REGISTRY/REPO:TAG, docker://...) or
	// an OCI layout's (oci:DIR[:TAG]).
	Image string
	Sys   *types.SystemContext
}

// Report is the verdict on every platform image of the index.
type Report struct {
	Images []Image
}

// Image is one platform image and what is wrong with it ("" problems: ok).
type Image struct {
	Digest   string   `json:"digest"`
	Platform string   `json:"platform,omitempty"`
	Scanned  int      `json:"scanned"` // layers the guard read
	Base     int      `json:"base"`    // base layers it left, below them
	Problems []string `json:"problems,omitempty"`
}

// OK says whether every image passed.
func (r *Report) OK() bool {
	for _, im := range r.Images {
		if len(im.Problems) > 0 {
			return false
		}
	}
	return len(r.Images) > 0
}

// ErrNoAttestation: the image is no index, so nothing can be attached to
// it: a failed verification, not an unreadable image.
var ErrNoAttestation = errors.New("not an index with attestation manifests (pushed without attestations?)")

// Verify reads the image and checks each platform image against its guard
// attestation. An error means the image could not be read (nothing was
// checked); a Report whose OK is false, a failed verification.
func Verify(ctx context.Context, o Options) (*Report, error) {
	ref, err := parseRef(o.Image)
	if err != nil {
		return nil, err
	}
	src, err := ref.NewImageSource(ctx, o.Sys)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.Image, err)
	}
	defer src.Close()
	top, mt, err := src.GetManifest(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: reading the manifest: %w", o.Image, err)
	}
	if !manifest.MIMETypeIsMultiImage(mt) {
		return &Report{Images: []Image{{Digest: digest.FromBytes(top).String(), Problems: []string{ErrNoAttestation.Error()}}}}, nil
	}
	var idx imgspecv1.Index
	if err := json.Unmarshal(top, &idx); err != nil {
		return nil, fmt.Errorf("%s: the index: %w", o.Image, err)
	}
	r := &reader{ctx: ctx, src: src}
	rep := &Report{}
	for _, d := range idx.Manifests {
		if d.Annotations[annotationRefType] != "" {
			continue // an attestation manifest (or another reference type)
		}
		im := Image{Digest: d.Digest.String()}
		if p := d.Platform; p != nil {
			im.Platform = p.OS + "/" + p.Architecture
			if p.Variant != "" {
				im.Platform += "/" + p.Variant
			}
		}
		if err := r.checkImage(&im, d, idx.Manifests); err != nil {
			return nil, err
		}
		rep.Images = append(rep.Images, im)
	}
	if len(rep.Images) == 0 {
		rep.Images = []Image{{Digest: digest.FromBytes(top).String(), Problems: []string{"the index holds no image"}}}
	}
	return rep, nil
}

// parseRef takes oci:DIR[:TAG], docker://REF or a bare registry
// reference: what can carry an index (local storage cannot).
func parseRef(s string) (types.ImageReference, error) {
	if rest, ok := strings.CutPrefix(s, "oci:"); ok {
		return layout.ParseReference(rest)
	}
	ref, err := docker.ParseReference("//" + strings.TrimPrefix(s, "docker://"))
	if err != nil {
		return nil, fmt.Errorf("image %q: want REGISTRY/REPO[:TAG], docker://... or oci:DIR[:TAG]: %w", s, err)
	}
	return ref, nil
}

type reader struct {
	ctx context.Context
	src types.ImageSource
}

// manifestOf reads an index member and checks its bytes against the digest.
func (r *reader) manifestOf(d digest.Digest) ([]byte, error) {
	b, _, err := r.src.GetManifest(r.ctx, &d)
	if err != nil {
		return nil, fmt.Errorf("reading manifest %s: %w", d, err)
	}
	if digest.FromBytes(b) != d {
		return nil, fmt.Errorf("manifest %s: content does not match its digest", d)
	}
	return b, nil
}

// blob reads a blob whole, checked against its digest.
func (r *reader) blob(d digest.Digest) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	rc, _, err := r.src.GetBlob(r.ctx, types.BlobInfo{Digest: d, Size: -1}, none.NoCache)
	if err != nil {
		return nil, fmt.Errorf("reading blob %s: %w", d, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxBlob+1))
	if err != nil {
		return nil, fmt.Errorf("reading blob %s: %w", d, err)
	}
	if len(b) > maxBlob {
		return nil, fmt.Errorf("blob %s: over %d bytes", d, maxBlob)
	}
	if digest.FromBytes(b) != d {
		return nil, fmt.Errorf("blob %s: content does not match its digest", d)
	}
	return b, nil
}
