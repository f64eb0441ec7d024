// Package ociconv owns the OCI form of the images hush builds. buildah
// keeps Docker's HEALTHCHECK, SHELL and ONBUILD only in docker-format
// images, so hush has buildah commit docker format and Convert rewrites the
// final image as OCI with those fields in its config, as BuildKit writes
// them (its dockerspec: the OCI image config plus Docker's Healthcheck,
// OnBuild and Shell; ArgsEscaped is in the OCI spec). The layers are
// reused, not copied.
//
// It must not import builder, the guard, the caches or container mode: it
// is handed a store and an image id and returns the new id.
package ociconv

import (
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/hushbuild/hush/builder/internal/ociconv/dockercfg"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
)

// image is the OCI config with Docker's extension fields
// (builder/internal/ociconv/dockercfg, which container mode shares).
type (
	image       = dockercfg.Image
	imageConfig = dockercfg.Config
)

// layerTypes maps the docker layer media types buildah writes to OCI's.
var layerTypes = map[string]string{
	manifest.DockerV2SchemaLayerMediaTypeUncompressed: v1.MediaTypeImageLayer,
	manifest.DockerV2Schema2LayerMediaType:            v1.MediaTypeImageLayerGzip,
	manifest.DockerV2SchemaLayerMediaTypeZstd:         v1.MediaTypeImageLayerZstd,
}

// Convert turns a docker schema 2 manifest and config into an OCI manifest
// and config with the same layers and settings. The OCI config reads the
// docker one's fields by their JSON names, which the two formats share, so
// what docker keeps beside them (container_config, docker_version, ...)
// drops out. annotations go on the manifest, with buildah's
// org.opencontainers.image.created from the config's creation time.
func Convert(dmanifest, dconfig []byte, annotations map[string]string) (mfst, config []byte, err error) {
	var dm manifest.Schema2
	if err := json.Unmarshal(dmanifest, &dm); err != nil {
		return nil, nil, fmt.Errorf("parsing docker manifest: %w", err)
	}
	if dm.MediaType != manifest.DockerV2Schema2MediaType {
		return nil, nil, fmt.Errorf("manifest media type %q: want %s", dm.MediaType, manifest.DockerV2Schema2MediaType)
	}
	var img image
	if err := json.Unmarshal(dconfig, &img); err != nil {
		return nil, nil, fmt.Errorf("parsing docker config: %w", err)
	}
	if img.RootFS.DiffIDs == nil {
		img.RootFS.DiffIDs = []digest.Digest{} // the OCI spec requires the list; docker omits an empty one
	}
	config, err = json.Marshal(img)
	if err != nil {
		return nil, nil, err
	}
	om := v1.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: v1.MediaTypeImageManifest,
		Config: v1.Descriptor{
			MediaType: v1.MediaTypeImageConfig, Digest: digest.FromBytes(config), Size: int64(len(config)),
		},
		Layers:      make([]v1.Descriptor, 0, len(dm.LayersDescriptors)),
		Annotations: maps.Clone(annotations),
	}
	for i, l := range dm.LayersDescriptors {
		mt, ok := layerTypes[l.MediaType]
		if !ok {
			return nil, nil, fmt.Errorf("layer %d: media type %q has no OCI equivalent", i, l.MediaType)
		}
		om.Layers = append(om.Layers, v1.Descriptor{MediaType: mt, Digest: l.Digest, Size: l.Size, URLs: l.URLs})
	}
	if img.Created != nil {
		if om.Annotations == nil {
			om.Annotations = map[string]string{}
		}
		if _, ok := om.Annotations[v1.AnnotationCreated]; !ok {
			om.Annotations[v1.AnnotationCreated] = img.Created.UTC().Format(time.RFC3339Nano)
		}
	}
	mfst, err = json.Marshal(om)
	if err != nil {
		return nil, nil, err
	}
	return mfst, config, nil
}
