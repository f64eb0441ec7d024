package stagecache

import (
	"context"
	"errors"
	"io"

	"github.com/hushbuild/hush/builder/internal/cachelog"
	digest "github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/types"
)

// recordOnlyRef is where buildah "pushes" a --layers cache entry during the
// build: the entry's key and image are noted (cache.go) and nothing is
// written, because a cache entry may leave this machine only after the
// guard has passed the build. It keeps the registry reference's names;
// every blob counts as already there, so no layer is even read.
type recordOnlyRef struct{ types.ImageReference }

func (r recordOnlyRef) NewImageDestination(context.Context, *types.SystemContext) (types.ImageDestination, error) {
	return nullDest{r}, nil
}

func (r recordOnlyRef) NewImageSource(context.Context, *types.SystemContext) (types.ImageSource, error) {
	return nil, errors.New("a recorded cache entry cannot be read")
}

func (r recordOnlyRef) NewImage(context.Context, *types.SystemContext) (types.ImageCloser, error) {
	return nil, errors.New("a recorded cache entry cannot be read")
}

func (r recordOnlyRef) DeleteImage(context.Context, *types.SystemContext) error { return nil }

// nullDest accepts an image and keeps nothing.
type nullDest struct{ ref types.ImageReference }

func (d nullDest) Reference() types.ImageReference                         { return d.ref }
func (nullDest) Close() error                                              { return nil }
func (nullDest) SupportedManifestMIMETypes() []string                      { return nil }
func (nullDest) SupportsSignatures(context.Context) error                  { return nil }
func (nullDest) DesiredLayerCompression() types.LayerCompression           { return types.PreserveOriginal }
func (nullDest) AcceptsForeignLayerURLs() bool                             { return false }
func (nullDest) MustMatchRuntimeOS() bool                                  { return false }
func (nullDest) IgnoresEmbeddedDockerReference() bool                      { return true }
func (nullDest) HasThreadSafePutBlob() bool                                { return true }
func (nullDest) PutManifest(context.Context, []byte, *digest.Digest) error { return nil }
func (nullDest) PutSignatures(context.Context, [][]byte, *digest.Digest) error {
	return nil
}
func (nullDest) Commit(context.Context, types.UnparsedImage) error { return nil }

func (nullDest) PutBlob(_ context.Context, stream io.Reader, info types.BlobInfo, _ types.BlobInfoCache, _ bool) (types.BlobInfo, error) {
	d := digest.Canonical.Digester()
	n, err := io.Copy(d.Hash(), stream)
	if err != nil {
		return types.BlobInfo{}, err
	}
	return types.BlobInfo{Digest: d.Digest(), Size: n, MediaType: info.MediaType}, nil
}

func (nullDest) TryReusingBlob(_ context.Context, info types.BlobInfo, _ types.BlobInfoCache, _ bool) (bool, types.BlobInfo, error) {
	if info.Digest == "" {
		return false, types.BlobInfo{}, nil
	}
	return true, info, nil
}

// warnRef is a --layers cache entry buildah pulls from a --cache-from
// repository: buildah takes any failure for a miss and says nothing, so
// the failure is noted here (cachelog warns once per repository).
type warnRef struct {
	types.ImageReference
	warn *cachelog.Warner
}

func (r warnRef) NewImageSource(ctx context.Context, sys *types.SystemContext) (types.ImageSource, error) {
	src, err := r.ImageReference.NewImageSource(ctx, sys)
	if err != nil {
		r.warn.Pull(cacheRepoName(r.DockerReference()), err)
	}
	return src, err
}
