package builder

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/hushbuild/hush/builder/internal/index"
	"github.com/hushbuild/hush/builder/internal/storestate"
	"github.com/hushbuild/hush/internal/localstore"
	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/transports"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
)

// ManifestOptions are what `hush manifest` needs besides its arguments.
type ManifestOptions struct {
	Storage   StorageOptions
	TLSVerify *bool // default: verify
	AuthFile  string
	Report    io.Writer // copy progress; default io.Discard
}

func (o ManifestOptions) sys() *types.SystemContext {
	return systemContext(Options{TLSVerify: o.TLSVerify, AuthFile: o.AuthFile})
}

func (o ManifestOptions) open() (storage.Store, error) {
	logrus.SetLevel(logrus.WarnLevel) // as Prune: no info lines on stderr
	return localstore.Open(localstore.Options{Root: o.Storage.Root, RunRoot: o.Storage.RunRoot, Driver: o.Storage.Driver}, orDiscard(o.Report))
}

// registryRef reads REF or docker://REF.
func registryRef(s string) (types.ImageReference, error) {
	ref, err := docker.ParseReference("//" + strings.TrimPrefix(s, "docker://"))
	if err != nil {
		return nil, fmt.Errorf("%q: want a registry reference REPO:TAG or REPO@DIGEST: %w", s, err)
	}
	return ref, nil
}

// ManifestCreate joins images already in a registry, one per platform
// (each by tag or digest), into one index named target in local storage
// and, with push, pushes it to target, as `docker buildx imagetools
// create` does. Only the images' manifests and configs are read; their
// layers are not pulled, and a push to the repository that holds them
// copies none (another repository on the registry gets them copied
// registry to registry). It returns the index's digest (as pushed).
func ManifestCreate(ctx context.Context, target string, sources []string, push bool, o ManifestOptions) (string, error) {
	nt, err := storestate.Qualify(target)
	if err != nil {
		return "", badOption("", fmt.Errorf("target %q: %w", target, err))
	}
	if len(sources) == 0 {
		return "", badOption("", fmt.Errorf("no images to join"))
	}
	sys := o.sys()
	var entries []index.Entry
	for _, s := range sources {
		ref, err := registryRef(s)
		if err != nil {
			return "", badOption("", err)
		}
		es, err := sourceEntries(ctx, sys, ref)
		if err != nil {
			return "", err
		}
		entries = append(entries, es...)
	}
	ix, err := index.Assemble(ctx, sys, entries)
	if err != nil {
		return "", err
	}
	store, err := o.open()
	if err != nil {
		return "", err
	}
	defer func() { _, _ = store.Shutdown(false) }()
	if _, err := ix.Save(store, []string{nt.String()}); err != nil {
		return "", fmt.Errorf("storing the index: %w", err)
	}
	d, err := ix.Digest()
	if err != nil || !push {
		return d.String(), err
	}
	dest, _ := registryRef(nt.String())
	pushed, err := ix.Push(ctx, store, sys, dest, orDiscard(o.Report))
	return pushed.String(), err
}

// sourceEntries reads one source of ManifestCreate: an image is one entry;
// an index (a push with attestations is one, as BuildKit's) gives each of
// its platform images, each with the attestation manifests that name it,
// as buildx imagetools create carries them over.
func sourceEntries(ctx context.Context, sys *types.SystemContext, ref types.ImageReference) ([]index.Entry, error) {
	src, err := ref.NewImageSource(ctx, sys)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", transports.ImageName(ref), err)
	}
	raw, mt, err := src.GetManifest(ctx, nil)
	src.Close()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", transports.ImageName(ref), err)
	}
	if !manifest.MIMETypeIsMultiImage(mt) {
		return []index.Entry{{Image: ref}}, nil
	}
	list, err := manifest.ListFromBlob(raw, mt)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", transports.ImageName(ref), err)
	}
	var oci imgspecv1.Index
	if manifest.NormalizedMIMEType(mt) == imgspecv1.MediaTypeImageIndex {
		_ = json.Unmarshal(raw, &oci)
	}
	named := ref.DockerReference()
	at := func(d digest.Digest) (types.ImageReference, error) {
		n, err := reference.WithDigest(reference.TrimNamed(named), d)
		if err != nil {
			return nil, err
		}
		return docker.NewReference(n)
	}
	attest := map[digest.Digest][]digest.Digest{} // image -> its attestation manifests
	for _, m := range oci.Manifests {
		if m.Annotations[index.AnnotationReferenceType] == index.ReferenceTypeAttestation {
			img := digest.Digest(m.Annotations[index.AnnotationReferenceDigest])
			attest[img] = append(attest[img], m.Digest)
		}
	}
	var out []index.Entry
	for _, d := range list.Instances() {
		if oci.Manifests != nil && isAttestation(oci, d) {
			continue
		}
		r, err := at(d)
		if err != nil {
			return nil, err
		}
		e := index.Entry{Image: r}
		for _, a := range attest[d] {
			ar, err := at(a)
			if err != nil {
				return nil, err
			}
			e.Attachments = append(e.Attachments, index.Attachment{Ref: ar, Annotations: index.AttestationAnnotations(d)})
		}
		out = append(out, e)
	}
	return out, nil
}

func isAttestation(ix imgspecv1.Index, d digest.Digest) bool {
	for _, m := range ix.Manifests {
		if m.Digest == d {
			return m.Annotations[index.AnnotationReferenceType] == index.ReferenceTypeAttestation
		}
	}
	return false
}

// ManifestPush pushes the index stored as list (a multi-platform build's
// tag, or ManifestCreate's target) and the images it holds to dest
// (default: list's own name) and returns the digest pushed.
func ManifestPush(ctx context.Context, list, dest string, o ManifestOptions) (string, error) {
	if dest == "" {
		dest = list
	}
	nt, err := storestate.Qualify(dest)
	if err != nil {
		return "", badOption("", fmt.Errorf("destination %q: %w", dest, err))
	}
	ref, err := registryRef(nt.String())
	if err != nil {
		return "", badOption("", fmt.Errorf("destination %q: %w", dest, err))
	}
	store, err := o.open()
	if err != nil {
		return "", err
	}
	defer func() { _, _ = store.Shutdown(false) }()
	name := list
	if q, err := storestate.Qualify(list); err == nil {
		name = q.String()
	}
	_, l, err := index.Load(store, name)
	if err != nil {
		return "", fmt.Errorf("%s: no index in local storage by that name", list)
	}
	d, err := index.Push(ctx, l, store, o.sys(), ref, orDiscard(o.Report))
	return d.String(), err
}

// ManifestInspect returns the raw manifest list or index named ref: the
// one in local storage by that name, else the registry's (docker://REF
// always asks the registry).
func ManifestInspect(ctx context.Context, ref string, o ManifestOptions) ([]byte, error) {
	if !strings.HasPrefix(ref, "docker://") {
		if raw, ok := localIndex(ref, o); ok {
			return raw, nil
		}
	}
	r, err := registryRef(ref)
	if err != nil {
		return nil, badOption("", err)
	}
	src, err := r.NewImageSource(ctx, o.sys())
	if err != nil {
		return nil, err
	}
	defer src.Close()
	raw, mt, err := image.UnparsedInstance(src, nil).Manifest(ctx)
	if err != nil {
		return nil, err
	}
	if !manifest.MIMETypeIsMultiImage(mt) {
		return nil, fmt.Errorf("%s is one image (%s), not a manifest list or index", ref, mt)
	}
	return raw, nil
}

func localIndex(name string, o ManifestOptions) ([]byte, bool) {
	nt, err := storestate.Qualify(name)
	if err != nil {
		return nil, false
	}
	store, err := o.open()
	if err != nil {
		return nil, false
	}
	defer func() { _, _ = store.Shutdown(false) }()
	img, err := store.Image(nt.String())
	if err != nil {
		return nil, false
	}
	raw, err := store.ImageBigData(img.ID, storage.ImageDigestManifestBigDataNamePrefix)
	if err != nil || !manifest.MIMETypeIsMultiImage(manifest.GuessMIMEType(raw)) {
		return nil, false
	}
	return raw, true
}
