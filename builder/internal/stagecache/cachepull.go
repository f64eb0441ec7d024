package stagecache

import (
	"context"
	"errors"
	"fmt"
	"runtime/trace"
	"slices"
	"sync"

	"github.com/hushbuild/hush/builder/internal/publish"
	"github.com/hushbuild/hush/builder/internal/rundir"
	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/shortnames"
	"go.podman.io/image/v5/signature"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
)

// The cache keys name each base image by its id. A fresh runner has no
// base in storage, and on a hit it never needs one: the cached image holds
// the base's layers. So a base storage lacks is resolved at the registry
// from its manifest alone, to the id buildah's pull would give it (the
// config digest of a schema2 or OCI manifest; of this platform's instance
// in a list). Only when a stage that uses it must run is it pulled, by the
// digest the key saw (pullFor), so a tag moved in between cannot put a
// build on another base under this key.

// imageIDs is a build's resolved image names: each is resolved once, and
// may be asked for from several goroutines.
type imageIDs struct {
	mu   sync.Mutex
	memo map[string]*resolved
}

type resolved struct {
	done chan struct{}
	id   string
	err  error
	pin  reference.Canonical // resolved at a registry, not pulled: name@digest
	as   reference.Named     // and the name buildah looks it up by
	// The diff ids of pin's config, fetched beside the build for the
	// guard (withRemoteBases); nil channel when not fetched.
	diffDone chan struct{}
	diffIDs  []digest.Digest
}

// settled returns the resolutions of names (nil: every one), each
// finished.
func (m *imageIDs) settled(names []string) []*resolved {
	m.mu.Lock()
	var out []*resolved
	for name, r := range m.memo {
		if names == nil || slices.Contains(names, name) {
			out = append(out, r)
		}
	}
	m.mu.Unlock()
	for _, r := range out {
		<-r.done
	}
	return out
}

// resolveImage maps a name the Dockerfile or a docker-image:// context
// uses to the id of the image this build would use: the local image where
// storage has it (buildah pulls only if missing), else the registry's,
// found as buildah finds it (a short name through registries.conf), read
// from its manifest. With --pull it is pulled, as buildah then would; a
// schema1 image (whose id depends on its layers) is pulled too.
func (p *Cache) resolveImage(ctx context.Context, store storage.Store, name string) (string, error) {
	p.ids.mu.Lock()
	if p.ids.memo == nil {
		p.ids.memo = map[string]*resolved{}
	}
	r, ok := p.ids.memo[name]
	if !ok {
		r = &resolved{done: make(chan struct{})}
		p.ids.memo[name] = r
	}
	p.ids.mu.Unlock()
	if !ok {
		r.id, r.pin, r.as, r.err = p.lookupImage(ctx, store, name)
		if r.pin != nil && p.cfg.Guarded {
			r.diffDone = make(chan struct{})
			go func() {
				defer close(r.diffDone)
				r.diffIDs, _ = p.remoteDiffIDs(ctx, r.pin, r.id)
			}()
		}
		close(r.done)
	}
	<-r.done
	return r.id, r.err
}

func (p *Cache) lookupImage(ctx context.Context, store storage.Store, name string) (string, reference.Canonical, reference.Named, error) {
	defer trace.StartRegion(ctx, "cache-resolve").End()
	pull := p.cfg.Pull
	if !pull {
		if id := localImage(store, name); id != "" {
			return id, nil, nil, nil
		}
		if id := shortLocal(p.cfg.Sys, store, name); id != "" {
			return id, nil, nil, nil
		}
	}
	cands, err := pullCandidates(p.cfg.Sys, name)
	if err != nil {
		return "", nil, nil, err
	}
	var errs []error
	for _, c := range cands {
		var id string
		var pin reference.Canonical
		var err error
		if pull {
			id, err = p.pullImage(ctx, store, c, c)
		} else {
			id, pin, err = p.remoteImage(ctx, store, c)
		}
		if err == nil {
			return id, pin, c, nil
		}
		errs = append(errs, err)
	}
	return "", nil, nil, fmt.Errorf("image %s: not in local storage, and no registry gave it: %w", name, errors.Join(errs...))
}

// shortLocal finds a short name's image in storage under the names
// buildah's lookup tries (an alias, localhost/, each unqualified-search
// registry); localImage has tried the name itself and docker.io's.
func shortLocal(sys *types.SystemContext, store storage.Store, name string) string {
	cands, err := shortnames.ResolveLocally(sys, name)
	if err != nil {
		return ""
	}
	for _, c := range cands {
		if img, err := store.Image(c.String()); err == nil {
			return img.ID
		}
	}
	return ""
}

// pullCandidates are the references buildah would pull name from, in the
// order it tries them: the name itself when it is fully qualified, else
// registries.conf's alias or its unqualified-search registries.
func pullCandidates(sys *types.SystemContext, name string) ([]reference.Named, error) {
	res, err := shortnames.Resolve(sys, name)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", name, err)
	}
	var out []reference.Named
	for _, c := range res.PullCandidates {
		out = append(out, reference.TagNameOnly(c.Value))
	}
	return out, nil
}

// remoteImage reads named's manifest (and a list's instance for this
// platform) and returns the id storage would give the image, and named
// pinned to the manifest's digest.
func (p *Cache) remoteImage(ctx context.Context, store storage.Store, named reference.Named) (string, reference.Canonical, error) {
	ref, err := docker.NewReference(named)
	if err != nil {
		return "", nil, err
	}
	src, err := ref.NewImageSource(ctx, p.cfg.Sys)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", named, err)
	}
	defer src.Close()
	// UnparsedInstance checks a digested name's manifest against its digest.
	raw, mt, err := image.UnparsedInstance(src, nil).Manifest(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", named, err)
	}
	top, err := manifest.Digest(raw)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", named, err)
	}
	pin, err := reference.WithDigest(reference.TrimNamed(named), top)
	if err != nil {
		return "", nil, err
	}
	if manifest.MIMETypeIsMultiImage(mt) {
		list, err := manifest.ListFromBlob(raw, mt)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", named, err)
		}
		d, err := list.ChooseInstance(p.cfg.Sys)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", named, err)
		}
		if raw, mt, err = image.UnparsedInstance(src, &d).Manifest(ctx); err != nil {
			return "", nil, fmt.Errorf("%s: %w", named, err)
		}
	}
	switch manifest.NormalizedMIMEType(mt) {
	case manifest.DockerV2Schema2MediaType, imgspecv1.MediaTypeImageManifest:
		m, err := manifest.FromBlob(raw, mt)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", named, err)
		}
		if d := m.ConfigInfo().Digest; d.Validate() == nil {
			return d.Encoded(), pin, nil
		}
	}
	id, err := p.pullImage(ctx, store, pin, named)
	return id, nil, err
}

// pullImage pulls src into storage as buildah would have (the system's
// signature policy), names it as, and returns its id.
func (p *Cache) pullImage(ctx context.Context, store storage.Store, src, as reference.Named) (string, error) {
	defer trace.StartRegion(ctx, "cache-pull-base").End()
	from, err := docker.NewReference(src)
	if err != nil {
		return "", err
	}
	dest, err := is.Transport.ParseStoreReference(store, as.String())
	if err != nil {
		return "", err
	}
	policy, err := signature.DefaultPolicy(p.cfg.Sys)
	if err != nil {
		return "", err
	}
	pc, err := signature.NewPolicyContext(policy)
	if err != nil {
		return "", err
	}
	defer func() { _ = pc.Destroy() }()
	if _, err := copy.Image(ctx, pc, dest, from, &copy.Options{SourceCtx: p.cfg.Sys, DestinationCtx: p.cfg.Sys, ReportWriter: p.cfg.Report}); err != nil {
		return "", fmt.Errorf("pulling %s: %w", src, err)
	}
	img, err := store.Image(as.String())
	if err != nil {
		return "", err
	}
	return img.ID, nil
}

// pullStage copies REPO:hush-KEY into local storage; "" if it is not there.
// Its blob-info records go to a per-user tmpfs cache, not the shared one
// on disk (each record is an fsync'd SQLite transaction: about 10 % of a
// fresh runner's hit under load): the blobs it learns about are at REPO,
// where an export finds them again without the cache.
func pullStage(ctx context.Context, store storage.Store, repo reference.Named, key string, p *Cache) string {
	defer trace.StartRegion(ctx, "cache-pull").End()
	tagged, err := reference.WithTag(repo, "hush-"+key)
	if err != nil {
		return ""
	}
	src, err := docker.NewReference(tagged)
	if err != nil {
		return ""
	}
	dest, err := is.Transport.ParseStoreReference(store, stageCacheName(key))
	if err != nil {
		return ""
	}
	sys := p.cfg.Sys
	if dir, err := blobInfoDir(); err == nil {
		withDir := *p.cfg.Sys
		withDir.BlobInfoCacheDir = dir
		sys = &withDir
	}
	if _, err := publish.Copy(ctx, dest, src, sys, p.cfg.Report); err != nil {
		p.warn.Pull(cacheRepoName(repo), err)
		return ""
	}
	img, err := store.Image(stageCacheName(key))
	if err != nil {
		return ""
	}
	return img.ID
}

// blobInfoDir is the user's tmpfs blob-info cache (0700), beside the
// build directories as the verdicts are.
func blobInfoDir() (string, error) {
	base, err := rundir.TmpfsBase()
	if err != nil {
		return "", err
	}
	dir := base + ".blobinfo"
	return dir, rundir.EnsurePrivateDir(dir)
}
