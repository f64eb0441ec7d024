package builder

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hushbuild/hush/audit"
	"github.com/hushbuild/hush/builder/internal/attest"
	"github.com/hushbuild/hush/builder/internal/guard"
	"github.com/hushbuild/hush/builder/internal/index"
	"github.com/hushbuild/hush/builder/internal/publish"
	"github.com/hushbuild/hush/builder/internal/storestate"
	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/oci/layout"
	"go.podman.io/storage"
)

// Attestations are what a pushed or OCI-written image carries beside it,
// in an attestation manifest as BuildKit attaches one
// (docs/attestations.md). Defaults are docker's build-push-action's:
// provenance mode=min on a push, none for local images, no SBOM.
type Attestations struct {
	// Provenance is "" (the default above), "min", "max" or "off".
	Provenance string
	// SBOM asks for an SPDX document of the image. Not built yet: an
	// error says so.
	SBOM bool
	// Version is hush's, named as the builder's and the guard engine's.
	Version string
}

// attestPlan is what the attestations need of the build, set in prepare.
type attestPlan struct {
	mode    string // attest.ProvenanceOff, Min or Max, as resolved
	want    bool   // an attestation manifest is written
	req     attest.Request
	started time.Time
}

// planAttest resolves the provenance mode against the outputs.
func (p *plan) planAttest(o Options) error {
	return p.planAttestFor(o, p.outputs)
}

// planAttestFor resolves the provenance mode against outs: a platform's
// plan in a multi-platform build has no outputs of its own, the index
// carries them (multiplatform.go).
func (p *plan) planAttestFor(o Options, outs []Output) error {
	a := o.Attestations
	if a.SBOM {
		return badOption("Attestations.SBOM", errors.New("SPDX documents are not built yet (docs/attestations.md); pass --sbom=false"))
	}
	carried, pushed := false, false // an output that can hold an index
	for _, out := range outs {
		carried = carried || out.Type == OutputRegistry || out.Type == OutputOCI
		pushed = pushed || out.Type == OutputRegistry
	}
	mode := a.Provenance
	switch mode {
	case "":
		mode = attest.ProvenanceOff
		if pushed {
			mode = attest.ProvenanceMin
		}
	case "off", "false":
		mode = attest.ProvenanceOff
	case "min", "max", "true":
		if mode == "true" {
			mode = attest.ProvenanceMin
		}
		if !carried {
			return badOption("Attestations.Provenance", fmt.Errorf("mode=%s: attestations go with a push (-o type=registry) or -o type=oci, and this build has neither", mode))
		}
	default:
		return badOption("Attestations.Provenance", fmt.Errorf("%q: want min, max or off", a.Provenance))
	}
	p.attest = attestPlan{mode: mode, want: mode != attest.ProvenanceOff, started: time.Now()}
	r := &p.attest.req
	r.Provenance, r.Version, r.Invocation = mode, a.Version, p.nonce
	if r.Version == "" {
		r.Version = "dev"
	}
	r.Target, r.BuildArgs, r.SSH = o.Target, o.BuildArgs, sshIDs(o.SSH)
	for _, sp := range o.Secrets {
		r.Secrets = append(r.Secrets, attest.SecretSpec{ID: sp.ID, EveryFile: sp.Target, EveryEnvVar: sp.Arg})
	}
	return nil
}

func sshIDs(ssh []string) []string {
	var out []string
	for _, s := range ssh {
		id, _, _ := strings.Cut(s, "=")
		out = append(out, id)
	}
	return out
}

// attacher is publish's Attach for the image the guard passed: the
// provenance and guard statements about the manifest publish wrote, each
// blob scanned with the build's pattern set before it leaves.
func (p *plan) attacher(rep guard.Report) publish.Attach {
	if !p.attest.want {
		return nil
	}
	r := p.attest.req
	r.Started, r.Finished = p.attest.started, time.Now()
	r.Guard = &attest.Guard{Secretless: !p.guarded()}
	for _, c := range audit.Claims() {
		r.Guard.Forms = append(r.Guard.Forms, attest.Form{Writer: c.Writer, Wrapper: c.Wrapper, Kinds: c.Kinds})
	}
	for _, l := range rep.Layers {
		r.Guard.Layers = append(r.Guard.Layers, attest.GuardLayer{DiffID: l.DiffID, Scanned: l.Scanned})
	}
	seen := map[string]bool{}
	for _, s := range rep.Stages {
		if s.BaseDigest != "" && !seen[s.BaseID] && len(s.BaseNames) > 0 {
			seen[s.BaseID] = true
			r.Bases = append(r.Bases, attest.Base{Name: baseName(s.BaseNames), Digest: s.BaseDigest})
		}
	}
	r.Dockerfile = filepath.Base(p.dockerfile)
	if rel, err := filepath.Rel(p.opts.ContextDirectory, p.dockerfile); err == nil && !strings.HasPrefix(rel, "..") {
		r.Dockerfile = rel
	}
	return func(_ context.Context, subject imgspecv1.Descriptor, _ []byte) (*publish.Attachment, error) {
		content, err := os.ReadFile(p.dockerfile)
		if err != nil {
			return nil, fmt.Errorf("attestations: reading the Dockerfile: %w", err)
		}
		r.DockerfileContent = content
		if pl := subject.Platform; pl != nil {
			r.Platform = pl.OS + "/" + pl.Architecture
			if pl.Variant != "" {
				r.Platform += "/" + pl.Variant
			}
		}
		preds, err := attest.Predicates(r)
		if err != nil {
			return nil, err
		}
		a, err := attest.Make(subject, "_", preds, p.checkBlob)
		if err != nil {
			return nil, err
		}
		return &publish.Attachment{Descriptor: a.Descriptor, Manifest: a.Manifest, Blobs: a.Blobs}, nil
	}
}

// checkBlob is the guard for an attestation: a blob holding any form of a
// secret's value (a Dockerfile's default, a build arg) stops the publish,
// named by the secret's id and the attestation, never the value.
func (p *plan) checkBlob(name string, b []byte) error {
	var fs []Finding
	for _, m := range p.set.Find(b) {
		fs = append(fs, Finding{Location: audit.Metadata, Rule: audit.RuleKnownSecret, SecretID: m.SecretID,
			Fragment: m.Fragment, Encoding: m.Encoding, Field: "attestation " + name})
	}
	if len(fs) > 0 {
		return &GuardError{Findings: fs}
	}
	return nil
}

// describeGuard records, for the guard attestation, which layers of the
// final image the guard read, by its own rule and the snapshot it had.
func (p *plan) describeGuard(store storage.Store, before storestate.Snapshot, id string) error {
	if !p.attest.want {
		return nil
	}
	rep, err := guard.Describe(store, guard.Request{Before: p.cache.WithRemoteBases(store, p.cache.GuardSnapshot(before)), Final: id})
	if err != nil {
		return fmt.Errorf("attestations: %w", err)
	}
	p.guardRep = rep
	return nil
}

// baseName picks the name a FROM gives: not one of the marks the stage
// cache keeps on images (localhost/hush-build-seen:..., -cache:...).
func baseName(names []string) string {
	for _, n := range names {
		if strings.Contains(n, "@") || strings.HasPrefix(n, "localhost/hush-build-") {
			continue
		}
		if _, err := reference.ParseNormalizedNamed(n); err == nil {
			return n
		}
	}
	return names[0]
}

// indexAttacher is attacher for one platform's image in a multi-platform
// index: the attestation manifest is written to an OCI layout in dir
// (which outlives the index's push) and named there, as index.Attachment
// wants it.
func (p *plan) indexAttacher(dir string) func(ctx context.Context, store storage.Store, id string, image digest.Digest) ([]index.Attachment, error) {
	return func(ctx context.Context, _ storage.Store, _ string, image digest.Digest) ([]index.Attachment, error) {
		at := p.attacher(p.guardRep)
		if at == nil {
			return nil, nil
		}
		pl := imgspecv1.Platform{OS: p.platform.OS, Architecture: p.platform.Arch, Variant: p.platform.Variant}
		a, err := at(ctx, imgspecv1.Descriptor{MediaType: imgspecv1.MediaTypeImageManifest, Digest: image, Platform: &pl}, nil)
		if err != nil {
			return nil, err
		}
		ldir := filepath.Join(dir, "attest-"+image.Encoded()[:12])
		if err := attest.WriteLayout(ldir, a.Manifest, a.Blobs); err != nil {
			return nil, fmt.Errorf("attestations: %w", err)
		}
		ref, err := layout.NewReference(ldir, "")
		if err != nil {
			return nil, fmt.Errorf("attestations: %w", err)
		}
		return []index.Attachment{{Ref: ref, Annotations: index.AttestationAnnotations(image)}}, nil
	}
}
