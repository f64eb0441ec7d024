package publish

import (
	"context"
	"io"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
)

// A push reuses the base's blobs by itself: containers/image's blob-info
// cache knows the compressed digest behind each layer it pulled, and the
// registry has that blob, so the manifest points at it and nothing is
// uploaded again. An OCI layout has no such lookup: containers/image
// compresses every layer it writes there, the base's included, so the
// layout would hold a recompressed copy of each base layer under a digest
// no registry knows. baseBlobs gives the layout the base's own blobs:
// storage keeps, for a layer it pulled, the compressed digest it came as,
// and the base image it came with is named for its registry repository;
// the blob is read from there, its digest checked by the copy on the way
// (kaniko and BuildKit do the same). A layer with no such source is
// compressed as before. docker archives hold uncompressed layers by
// format, so they need nothing.

// remoteBlob is where a layer's compressed blob can be read.
type remoteBlob struct {
	repo      reference.Named
	size      int64
	mediaType string // as the base's manifest lists it
}

// baseBlobs maps the compressed digests of the layers of images in store
// named for a registry repository to that repository.
func baseBlobs(store storage.Store) map[digest.Digest]remoteBlob {
	out := map[digest.Digest]remoteBlob{}
	images, err := store.Images()
	if err != nil {
		return out
	}
	for _, img := range images {
		var repo reference.Named
		for _, n := range img.Names {
			named, err := reference.ParseNormalizedNamed(n)
			if err == nil && reference.Domain(named) != "localhost" {
				repo = reference.TagNameOnly(named) // a reference needs a tag: not read for a blob
				break
			}
		}
		if repo == nil {
			continue
		}
		raw, err := store.ImageBigData(img.ID, storage.ImageDigestBigDataKey)
		if err != nil {
			continue
		}
		m, err := manifest.FromBlob(raw, manifest.GuessMIMEType(raw))
		if err != nil {
			continue
		}
		for _, l := range m.LayerInfos() {
			compressed := strings.Contains(l.MediaType, "gzip") || strings.Contains(l.MediaType, "zstd")
			if l.Digest != "" && l.Size > 0 && compressed {
				out[l.Digest] = remoteBlob{repo: repo, size: l.Size, mediaType: l.MediaType}
			}
		}
	}
	return out
}

// gzipTypes: a gzip layer's media type in each manifest format.
var gzipTypes = map[string]string{
	manifest.DockerV2Schema2LayerMediaType: v1.MediaTypeImageLayerGzip,
	v1.MediaTypeImageLayerGzip:             manifest.DockerV2Schema2LayerMediaType,
}

// reuseRef reads an image in storage with the base's layers as their
// registry blobs, where known.
type reuseRef struct {
	types.ImageReference
	store storage.Store
	sys   *types.SystemContext
}

func (r reuseRef) NewImageSource(ctx context.Context, sys *types.SystemContext) (types.ImageSource, error) {
	src, err := r.ImageReference.NewImageSource(ctx, sys)
	if err != nil {
		return nil, err
	}
	return &reuseSource{ImageSource: src, r: r, remote: map[digest.Digest]remoteBlob{}}, nil
}

type reuseSource struct {
	types.ImageSource
	r      reuseRef
	mu     sync.Mutex
	remote map[digest.Digest]remoteBlob // substituted digests
}

func (s *reuseSource) LayerInfosForCopy(ctx context.Context, instance *digest.Digest) ([]types.BlobInfo, error) {
	infos, err := s.ImageSource.LayerInfosForCopy(ctx, instance)
	if err != nil || infos == nil {
		return infos, err
	}
	known := baseBlobs(s.r.store)
	out := make([]types.BlobInfo, len(infos))
	for i, info := range infos {
		out[i] = info
		layers, err := s.r.store.LayersByUncompressedDigest(info.Digest)
		if err != nil || len(layers) == 0 {
			continue
		}
		cd := layers[0].CompressedDigest
		rb, ok := known[cd]
		if cd == "" || cd == layers[0].UncompressedDigest || !ok {
			continue
		}
		mt := rb.mediaType
		if ociLayer(info.MediaType) != ociLayer(mt) {
			if mt = gzipTypes[mt]; mt == "" {
				continue // no such compression in this format
			}
		}
		s.mu.Lock()
		s.remote[cd] = rb
		s.mu.Unlock()
		out[i] = types.BlobInfo{Digest: cd, Size: rb.size, MediaType: mt}
	}
	return out, nil
}

func ociLayer(mediaType string) bool { return strings.HasPrefix(mediaType, "application/vnd.oci.") }

func (s *reuseSource) GetBlob(ctx context.Context, info types.BlobInfo, cache types.BlobInfoCache) (io.ReadCloser, int64, error) {
	s.mu.Lock()
	rb, ok := s.remote[info.Digest]
	s.mu.Unlock()
	if !ok {
		return s.ImageSource.GetBlob(ctx, info, cache)
	}
	ref, err := docker.NewReference(rb.repo)
	if err != nil {
		return nil, 0, err
	}
	src, err := ref.NewImageSource(ctx, s.r.sys)
	if err != nil {
		return nil, 0, err
	}
	rc, n, err := src.GetBlob(ctx, types.BlobInfo{Digest: info.Digest, Size: rb.size}, cache)
	if err != nil {
		src.Close()
		return nil, 0, err
	}
	return closeBoth{rc, src}, n, nil
}

type closeBoth struct {
	io.ReadCloser
	src types.ImageSource
}

func (c closeBoth) Close() error {
	err := c.ReadCloser.Close()
	_ = c.src.Close()
	return err
}
