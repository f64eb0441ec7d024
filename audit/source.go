package audit

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/hushbuild/hush/audit/layertar"
	"github.com/hushbuild/hush/internal/localstore"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/blobinfocache/none"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/transports"
	"go.podman.io/image/v5/transports/alltransports"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
)

// opened is an image ready to be read: its metadata and a way to open
// each layer's stream.
type opened struct {
	transport    string
	digest       string
	configDigest string
	config       []byte
	manifest     []byte
	layerInfos   []types.BlobInfo // as the manifest lists them
	layers       []layerHandle
	close        func()
}

// layerHandle opens one layer's stream (compressed or not: the reader
// sniffs it).
type layerHandle struct {
	ref  LayerRef
	size int64 // -1 when unknown
	open func(ctx context.Context) (io.ReadCloser, error)
}

// sources opens images for one audit, sharing the containers-storage store
// between them and shutting it down at the end.
type sources struct {
	opts  Options
	sys   *types.SystemContext
	mu    sync.Mutex
	store storage.Store
}

func newSources(o Options) *sources {
	sys := &types.SystemContext{
		AuthFilePath:            o.AuthFile,
		DockerRegistryUserAgent: "hush-audit",
	}
	if o.InsecureSkipTLSVerify {
		sys.DockerInsecureSkipTLSVerify = types.OptionalBoolTrue
		sys.OCIInsecureSkipTLSVerify = true
		sys.DockerDaemonInsecureSkipTLSVerify = true
	}
	return &sources{opts: o, sys: sys}
}

func (s *sources) shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store != nil {
		_, _ = s.store.Shutdown(false)
		s.store = nil
	}
}

// getStore opens containers-storage once, as a build opens it
// (internal/localstore).
func (s *sources) getStore() (storage.Store, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store != nil {
		return s.store, nil
	}
	// containers/storage logs routine choices ("using prior storage
	// driver") at info level; keep the default logger to warnings, as the
	// builder does, unless a caller asked for more.
	if logrus.GetLevel() == logrus.InfoLevel {
		logrus.SetLevel(logrus.WarnLevel)
	}
	store, err := localstore.Open(localstore.Options{Root: s.opts.StorageRoot, RunRoot: s.opts.StorageRunRoot, Driver: s.opts.StorageDriver}, io.Discard)
	if err != nil {
		return nil, err
	}
	s.store = store
	return store, nil
}

// storagePrefix is containers-storage's transport prefix.
const storagePrefix = "containers-storage:"

// open resolves name and opens the image it names.
func (s *sources) open(ctx context.Context, name string) (*opened, error) {
	if within, ok := strings.CutPrefix(name, storagePrefix); ok {
		return s.openStorage(ctx, within)
	}
	if t, _, ok := strings.Cut(name, ":"); ok && transports.Get(t) != nil {
		ref, err := alltransports.ParseImageName(name)
		if err != nil {
			return nil, err
		}
		return s.openRef(ctx, ref)
	}
	return s.openStorage(ctx, name)
}

// openRef opens an image of any transport through its ImageSource.
func (s *sources) openRef(ctx context.Context, ref types.ImageReference) (*opened, error) {
	src, err := ref.NewImageSource(ctx, s.sys)
	if err != nil {
		return nil, err
	}
	o, err := s.describe(ctx, ref, src)
	if err != nil {
		src.Close()
		return nil, err
	}
	infos := o.layerInfos
	// GetBlob itself is serialised for sources that ask for it (oci:
	// and dir: only open a file); the streams are read in parallel.
	var getMu sync.Mutex
	safe := src.HasThreadSafeGetBlob()
	for i, info := range infos {
		o.layers = append(o.layers, layerHandle{
			ref:  LayerRef{Index: i, Digest: info.Digest.String()},
			size: info.Size,
			open: func(ctx context.Context) (io.ReadCloser, error) {
				if !safe {
					getMu.Lock()
					defer getMu.Unlock()
				}
				rc, _, err := src.GetBlob(ctx, info, none.NoCache)
				return rc, err
			},
		})
	}
	o.close = func() { src.Close() }
	return o, nil
}

// describe reads an image's manifest (choosing the host platform's
// instance of a list) and config.
func (s *sources) describe(ctx context.Context, ref types.ImageReference, src types.ImageSource) (*opened, error) {
	img, err := image.FromUnparsedImage(ctx, s.sys, image.UnparsedInstance(src, nil))
	if err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	raw, _, err := img.Manifest(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	config, err := img.ConfigBlob(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	o := &opened{transport: ref.Transport().Name(), config: config, manifest: raw}
	if d, err := manifest.Digest(raw); err == nil {
		o.digest = d.String()
	}
	o.configDigest = img.ConfigInfo().Digest.String()
	o.layerInfos = img.LayerInfos()
	return o, nil
}

// openStorage finds an image in containers-storage by id, id prefix or
// name (short names as podman stores them: localhost/NAME, docker.io/...),
// and reads its layers straight from the store: the ImageSource would copy
// each one to a temporary file first.
func (s *sources) openStorage(ctx context.Context, name string) (*opened, error) {
	store, err := s.getStore()
	if err != nil {
		return nil, err
	}
	img, err := lookupStorageImage(store, name)
	if err != nil {
		return nil, err
	}
	ref, err := is.Transport.NewStoreReference(store, nil, img.ID)
	if err != nil {
		return nil, err
	}
	src, err := ref.NewImageSource(ctx, s.sys)
	if err != nil {
		return nil, err
	}
	o, err := s.describe(ctx, ref, src)
	if err != nil {
		src.Close()
		return nil, err
	}
	o.close = func() { src.Close() }
	var chain []*storage.Layer
	for id := img.TopLayer; id != ""; {
		l, err := store.Layer(id)
		if err != nil {
			src.Close()
			return nil, fmt.Errorf("reading layer %.12s: %w", id, err)
		}
		chain = append([]*storage.Layer{l}, chain...)
		id = l.Parent
	}
	for i, l := range chain {
		o.layers = append(o.layers, layerHandle{
			ref:  StorageLayerRef(i, l),
			size: l.UncompressedSize,
			open: func(ctx context.Context) (io.ReadCloser, error) {
				return layertar.OpenStorage(ctx, store, l.ID)
			},
		})
	}
	return o, nil
}

// lookupStorageImage resolves a name the way podman does for local images.
func lookupStorageImage(store storage.Store, name string) (*storage.Image, error) {
	name = strings.TrimPrefix(name, "sha256:")
	var candidates []string
	candidates = append(candidates, name)
	if named, err := reference.ParseNormalizedNamed(name); err == nil {
		tagged := reference.TagNameOnly(named).String()
		candidates = append(candidates, tagged)
		first, _, hasSlash := strings.Cut(name, "/")
		if !hasSlash || !(strings.ContainsAny(first, ".:") || first == "localhost") {
			if l, err := reference.ParseNormalizedNamed("localhost/" + name); err == nil {
				candidates = append(candidates, reference.TagNameOnly(l).String())
			}
		}
	}
	for _, c := range candidates {
		if img, err := store.Image(c); err == nil {
			return img, nil
		}
	}
	// A digest reference: name@sha256:...
	if named, err := reference.ParseNormalizedNamed(name); err == nil {
		if dg, ok := named.(reference.Digested); ok {
			if imgs, err := store.ImagesByDigest(dg.Digest()); err == nil && len(imgs) > 0 {
				return imgs[0], nil
			}
		}
	}
	return nil, fmt.Errorf("no image %q in containers-storage at %s: %w", name, store.GraphRoot(), storage.ErrImageUnknown)
}

// StorageLayerRef names layer i of a containers-storage image: by its diff
// id, or by its storage id when storage does not know the diff id yet.
func StorageLayerRef(i int, l *storage.Layer) LayerRef {
	if l.UncompressedDigest == "" {
		return LayerRef{Index: i, Digest: l.ID}
	}
	return LayerRef{Index: i, Digest: l.UncompressedDigest.String()}
}
