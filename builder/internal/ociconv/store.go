package ociconv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/hushbuild/hush/builder/internal/imagecopy"
	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
)

// ToOCI writes the docker-format image id as an OCI image in store and
// returns the new image's id (its config's digest, so a build with
// --source-date-epoch gets the same id every time). An image that is not
// docker format is returned as it is. The docker image is left in place:
// the caller knows whether a cache still needs it.
func ToOCI(ctx context.Context, store storage.Store, sys *types.SystemContext, id string, annotations map[string]string) (string, error) {
	return Rewrite(ctx, store, sys, id, Options{OCI: true, Annotations: annotations})
}

// Options says how Rewrite writes an image.
type Options struct {
	OCI         bool              // write OCI media types (else keep docker's)
	Annotations map[string]string // OCI manifest annotations
	Edit        Edit              // config fields set as docker build sets them
	// History, when set, replaces the config's history: the entries the
	// build wrote, as docker writes them (builder/internal/history).
	History []v1.History
}

// Rewrite writes the docker-format image id again in store, as OCI where
// o.OCI says so and with o.Edit applied to its config, and returns the
// new image's id (its config's digest). Where nothing changes, or the
// image is not docker format, id is returned as it is. The old image is
// left in place, as by ToOCI.
func Rewrite(ctx context.Context, store storage.Store, sys *types.SystemContext, id string, o Options) (string, error) {
	ref, err := is.Transport.NewStoreReference(store, nil, id)
	if err != nil {
		return "", fmt.Errorf("referencing image %s: %w", id, err)
	}
	src, err := ref.NewImageSource(ctx, sys)
	if err != nil {
		return "", fmt.Errorf("reading image %s: %w", id, err)
	}
	defer src.Close()
	dm, mt, err := src.GetManifest(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("reading image %s manifest: %w", id, err)
	}
	if manifest.NormalizedMIMEType(mt) != manifest.DockerV2Schema2MediaType {
		return id, nil
	}
	m, err := manifest.Schema2FromManifest(dm)
	if err != nil {
		return "", fmt.Errorf("image %s: %w", id, err)
	}
	dconfig, err := readBlob(ctx, src, m.ConfigDescriptor.Digest)
	if err != nil {
		return "", fmt.Errorf("reading image %s config: %w", id, err)
	}
	edited := dconfig
	if o.History != nil {
		if edited, err = withHistory(edited, o.History); err != nil {
			return "", fmt.Errorf("image %s: %w", id, err)
		}
	}
	edited, err = editConfig(edited, o.Edit)
	if err != nil {
		return "", fmt.Errorf("image %s config: %w", id, err)
	}
	var om, oconfig []byte
	mediaType := v1.MediaTypeImageManifest
	switch {
	case o.OCI:
		om, oconfig, err = Convert(dm, edited, o.Annotations)
	case bytes.Equal(edited, dconfig):
		return id, nil
	default:
		mediaType, oconfig = manifest.DockerV2Schema2MediaType, edited
		m.ConfigDescriptor.Digest, m.ConfigDescriptor.Size = digest.FromBytes(edited), int64(len(edited))
		om, err = m.Serialize()
	}
	if err != nil {
		return "", fmt.Errorf("image %s: %w", id, err)
	}
	newID := digest.FromBytes(oconfig).Encoded()
	dest, err := is.Transport.NewStoreReference(store, nil, newID)
	if err != nil {
		return "", fmt.Errorf("referencing image %s: %w", newID, err)
	}
	conv := convertedRef{ImageReference: ref, manifest: om, mediaType: mediaType, configDigest: digest.FromBytes(oconfig), config: oconfig}
	// The layers are in store already: containers/image finds them by
	// their uncompressed digests and writes only the manifest and config.
	if _, err := imagecopy.Copy(ctx, dest, conv, sys, nil); err != nil {
		return "", fmt.Errorf("writing image %s again: %w", id, err)
	}
	return newID, nil
}

// editConfig returns the docker config with e applied; config itself where
// e changes nothing.
func editConfig(config []byte, e Edit) ([]byte, error) {
	if e == (Edit{}) {
		return config, nil
	}
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal(config, &cfg); err != nil {
		return nil, err
	}
	changed, err := e.apply(cfg)
	if err != nil || !changed {
		return config, err
	}
	return json.Marshal(cfg)
}

// withHistory replaces a docker config's history, keeping every other
// field as it is.
func withHistory(config []byte, h []v1.History) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(config, &fields); err != nil {
		return nil, fmt.Errorf("parsing config: %w", err)
	}
	hb, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	fields["history"] = hb
	return json.Marshal(fields)
}

func readBlob(ctx context.Context, src types.ImageSource, d digest.Digest) ([]byte, error) {
	rc, _, err := src.GetBlob(ctx, types.BlobInfo{Digest: d, Size: -1}, nil)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// convertedRef is the docker image's storage reference, read as the OCI
// image: its manifest and config replaced, its layers as they are.
type convertedRef struct {
	types.ImageReference
	manifest, config []byte
	mediaType        string
	configDigest     digest.Digest
}

func (r convertedRef) NewImageSource(ctx context.Context, sys *types.SystemContext) (types.ImageSource, error) {
	src, err := r.ImageReference.NewImageSource(ctx, sys)
	if err != nil {
		return nil, err
	}
	return convertedSource{ImageSource: src, r: r}, nil
}

type convertedSource struct {
	types.ImageSource
	r convertedRef
}

func (s convertedSource) GetManifest(_ context.Context, instance *digest.Digest) ([]byte, string, error) {
	if instance != nil {
		return nil, "", fmt.Errorf("image has no manifest list, no instance %s", instance)
	}
	return s.r.manifest, s.r.mediaType, nil
}

func (s convertedSource) GetBlob(ctx context.Context, info types.BlobInfo, cache types.BlobInfoCache) (io.ReadCloser, int64, error) {
	if info.Digest == s.r.configDigest {
		return io.NopCloser(bytes.NewReader(s.r.config)), int64(len(s.r.config)), nil
	}
	return s.ImageSource.GetBlob(ctx, info, cache)
}

// LayerInfosForCopy: the manifest's own layer list. The storage source's
// would describe them with the docker manifest's media types.
func (s convertedSource) LayerInfosForCopy(context.Context, *digest.Digest) ([]types.BlobInfo, error) {
	return nil, nil
}
