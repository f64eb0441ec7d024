package attest

import (
	"encoding/json"
	"fmt"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// The layout BuildKit gives attestations (moby/buildkit
// docs/attestations/attestation-storage.md), which hush keeps as is.
const (
	MediaTypeInToto           = "application/vnd.in-toto+json"
	AnnotationPredicateType   = "in-toto.io/predicate-type"
	AnnotationReferenceType   = "vnd.docker.reference.type"
	AnnotationReferenceDigest = "vnd.docker.reference.digest"
	ReferenceTypeAttestation  = "attestation-manifest"
	// StatementType is the in-toto Statement version BuildKit writes; the
	// v1 spec asks consumers to accept it, and BuildKit's readers expect it.
	StatementType = "https://in-toto.io/Statement/v0.1"
	// PredicateSLSA1 is SLSA provenance v1; PredicateGuard hush's guard
	// attestation (docs/attestations.md); PredicateSPDX an SPDX document.
	PredicateSLSA1 = "https://slsa.dev/provenance/v1"
	PredicateGuard = "https://hush.build/guard/v1"
	PredicateSPDX  = "https://spdx.dev/Document"
)

// Subject is an in-toto ResourceDescriptor naming the image manifest.
type Subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// Statement is an in-toto statement.
type Statement struct {
	Type          string    `json:"_type"`
	Subject       []Subject `json:"subject"`
	PredicateType string    `json:"predicateType"`
	Predicate     any       `json:"predicate"`
}

// Predicate is one statement's body and its type.
type Predicate struct {
	Type string
	Body any
}

// Attachment is an attestation manifest and the blobs it names, ready to
// be written beside the image it describes.
type Attachment struct {
	// Descriptor goes into the index after the image's: platform
	// unknown/unknown and the vnd.docker.reference annotations.
	Descriptor imgspecv1.Descriptor
	Manifest   []byte
	Blobs      map[digest.Digest][]byte // the config and the statements
}

// Check looks at one blob before it leaves the build (the guard's pattern
// set): an error stops it. name says which attestation it is.
type Check func(name string, blob []byte) error

// Make wraps the predicates, as statements about subject (an image
// manifest), into an attestation manifest. name is the subject's name in
// the statements ("_" when it has none, as BuildKit writes). Every blob
// passes check first.
func Make(subject imgspecv1.Descriptor, name string, preds []Predicate, check Check) (*Attachment, error) {
	if name == "" {
		name = "_"
	}
	a := &Attachment{Blobs: map[digest.Digest][]byte{}}
	var layers []imgspecv1.Descriptor
	var diffIDs []digest.Digest
	for _, p := range preds {
		st := Statement{
			Type:          StatementType,
			Subject:       []Subject{{Name: name, Digest: map[string]string{subject.Digest.Algorithm().String(): subject.Digest.Encoded()}}},
			PredicateType: p.Type,
			Predicate:     p.Body,
		}
		b, err := json.Marshal(st)
		if err != nil {
			return nil, fmt.Errorf("attestation %s: %w", p.Type, err)
		}
		if err := check(p.Type, b); err != nil {
			return nil, err
		}
		d := digest.FromBytes(b)
		a.Blobs[d] = b
		diffIDs = append(diffIDs, d)
		layers = append(layers, imgspecv1.Descriptor{
			MediaType: MediaTypeInToto, Digest: d, Size: int64(len(b)),
			Annotations: map[string]string{AnnotationPredicateType: p.Type},
		})
	}
	// The config is there for registries and tools that want one; as
	// BuildKit's, it says nothing and is ignored.
	cfg, err := json.Marshal(imgspecv1.Image{
		Platform: imgspecv1.Platform{Architecture: "unknown", OS: "unknown"},
		RootFS:   imgspecv1.RootFS{Type: "layers", DiffIDs: diffIDs},
	})
	if err != nil {
		return nil, err
	}
	cd := digest.FromBytes(cfg)
	a.Blobs[cd] = cfg
	m, err := json.Marshal(imgspecv1.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: imgspecv1.MediaTypeImageManifest,
		Config:    imgspecv1.Descriptor{MediaType: imgspecv1.MediaTypeImageConfig, Digest: cd, Size: int64(len(cfg))},
		Layers:    layers,
	})
	if err != nil {
		return nil, err
	}
	if err := check("attestation manifest", m); err != nil {
		return nil, err
	}
	a.Manifest = m
	a.Descriptor = imgspecv1.Descriptor{
		MediaType: imgspecv1.MediaTypeImageManifest, Digest: digest.FromBytes(m), Size: int64(len(m)),
		Platform: &imgspecv1.Platform{Architecture: "unknown", OS: "unknown"},
		Annotations: map[string]string{
			AnnotationReferenceType:   ReferenceTypeAttestation,
			AnnotationReferenceDigest: subject.Digest.String(),
		},
	}
	return a, nil
}
