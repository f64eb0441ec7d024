package attest

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// WriteLayout writes an attestation manifest and its blobs into dir as an
// OCI layout holding just that manifest, for an index that names it by
// reference (a multi-platform build's attachments).
func WriteLayout(dir string, manifest []byte, blobs map[digest.Digest][]byte) error {
	bdir := filepath.Join(dir, imgspecv1.ImageBlobsDir, "sha256")
	if err := os.MkdirAll(bdir, 0o700); err != nil {
		return err
	}
	put := func(b []byte) error {
		return os.WriteFile(filepath.Join(bdir, digest.FromBytes(b).Encoded()), b, 0o600)
	}
	for _, b := range blobs {
		if err := put(b); err != nil {
			return err
		}
	}
	if err := put(manifest); err != nil {
		return err
	}
	d := imgspecv1.Descriptor{MediaType: imgspecv1.MediaTypeImageManifest, Digest: digest.FromBytes(manifest), Size: int64(len(manifest))}
	idx, err := json.Marshal(imgspecv1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: imgspecv1.MediaTypeImageIndex, Manifests: []imgspecv1.Descriptor{d}})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, imgspecv1.ImageIndexFile), idx, 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, imgspecv1.ImageLayoutFile), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o600)
}
