package index

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	digest "github.com/opencontainers/go-digest"
	imgspec "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/oci/layout"
	"go.podman.io/image/v5/types"
)

// writeLayout writes an OCI layout holding one manifest whose config
// says os/arch (empty: none) and returns its reference and digest.
func writeLayout(t *testing.T, os_, arch, layerType string) (types.ImageReference, digest.Digest) {
	t.Helper()
	dir := t.TempDir()
	blob := func(b []byte) v1.Descriptor {
		d := digest.FromBytes(b)
		p := filepath.Join(dir, "blobs", "sha256", d.Encoded())
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return v1.Descriptor{Digest: d, Size: int64(len(b))}
	}
	cfg, _ := json.Marshal(map[string]any{"os": os_, "architecture": arch, "rootfs": map[string]any{"type": "layers", "diff_ids": []string{}}})
	cd := blob(cfg)
	cd.MediaType = v1.MediaTypeImageConfig
	ld := blob([]byte(`{"_type":"https://in-toto.io/Statement/v1"}`))
	ld.MediaType = layerType
	m, _ := json.Marshal(v1.Manifest{Versioned: imgspec.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageManifest, Config: cd, Layers: []v1.Descriptor{ld}})
	md := blob(m)
	md.MediaType = v1.MediaTypeImageManifest
	ix, _ := json.Marshal(v1.Index{Versioned: imgspec.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageIndex, Manifests: []v1.Descriptor{md}})
	if err := os.WriteFile(filepath.Join(dir, "index.json"), ix, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ref, err := layout.NewReference(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	return ref, md.Digest
}

// TestAssembleAttachments: each platform's image, then its attachment
// as BuildKit lays an attestation out (unknown/unknown, the reference
// annotations naming the image's digest).
func TestAssembleAttachments(t *testing.T) {
	amd, amdD := writeLayout(t, "linux", "amd64", v1.MediaTypeImageLayer)
	arm, armD := writeLayout(t, "linux", "arm64", v1.MediaTypeImageLayer)
	att, attD := writeLayout(t, "", "", "application/vnd.in-toto+json")
	ix, err := Assemble(context.Background(), nil, []Entry{
		{Image: amd},
		{Image: arm, Attachments: []Attachment{{Ref: att, For: AttestationAnnotations}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := ix.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	var got v1.Index
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.MediaType != v1.MediaTypeImageIndex || len(got.Manifests) != 3 {
		t.Fatalf("index: %s", raw)
	}
	want := []struct {
		d        digest.Digest
		os, arch string
		ref      string
	}{{amdD, "linux", "amd64", ""}, {armD, "linux", "arm64", ""}, {attD, "unknown", "unknown", armD.String()}}
	for i, w := range want {
		m := got.Manifests[i]
		if m.Digest != w.d || m.Platform == nil || m.Platform.OS != w.os || m.Platform.Architecture != w.arch {
			t.Errorf("entry %d: %+v, want %s %s/%s", i, m, w.d, w.os, w.arch)
		}
		if m.Annotations[AnnotationReferenceDigest] != w.ref {
			t.Errorf("entry %d: annotations %v, want reference digest %q", i, m.Annotations, w.ref)
		}
		if w.ref != "" && m.Annotations[AnnotationReferenceType] != ReferenceTypeAttestation {
			t.Errorf("entry %d: annotations %v", i, m.Annotations)
		}
	}
}

func TestAssembleOnePerPlatform(t *testing.T) {
	a, _ := writeLayout(t, "linux", "arm64", v1.MediaTypeImageLayer)
	b, _ := writeLayout(t, "linux", "arm64", v1.MediaTypeImageLayer)
	if _, err := Assemble(context.Background(), nil, []Entry{{Image: a}, {Image: b}}); err == nil {
		t.Fatal("two linux/arm64 images joined")
	}
}
