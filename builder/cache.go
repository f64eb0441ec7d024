package builder

import (
	"context"
	"fmt"
	"sync"

	"github.com/hushbuild/hush/builder/internal/cachelog"
	"github.com/hushbuild/hush/builder/internal/publish"
	"github.com/hushbuild/hush/builder/internal/storestate"
	"go.podman.io/common/libimage/manifests"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
)

// CacheExport is one --cache-to registry repository.
type CacheExport struct {
	// Ref is the repository; a tag or digest in it is ignored (each entry
	// is the tag REPOSITORY:<key>).
	Ref string
	// Mode is "min" (default: only the entries of the final stage, the
	// layers the image holds) or "max" (every stage's).
	Mode string
}

// registryCache is a build's --cache-to/--cache-from: buildah keys every
// --layers step and pulls hits from CacheFrom itself; the entries it would
// push are only noted during the build (cachenull.go) and pushed by
// export, after the guard has passed the image.
type registryCache struct {
	to      []CacheExport
	toRefs  []reference.Named
	from    []reference.Named
	stage   *stageCache      // the default mode's cache (cachestage.go)
	warn    *cachelog.Warner // a --cache-from that could not be read
	mu      sync.Mutex
	entries []cacheEntry
}

type cacheEntry struct{ key, image string }

// applyCache sets up o's registry cache on buildah's options, and the
// default mode's stage cache, which is on unless --no-cache (with
// --cache-to it still records, reusing nothing).
func (p *plan) applyCache(opts Options) error {
	o := opts.DockerOptions
	stages := !p.opts.Layers && (!opts.NoCache || len(o.CacheTo) > 0)
	if len(o.CacheTo) == 0 && len(o.CacheFrom) == 0 && !stages {
		return nil
	}
	c := &registryCache{to: o.CacheTo}
	for _, ref := range o.CacheFrom {
		n, err := cacheRepo("--cache-from", ref)
		if err != nil {
			return err
		}
		c.from = append(c.from, n)
	}
	if len(c.from) > 0 {
		c.warn = cachelog.NewWarner(p.stderr)
	}
	for i, e := range o.CacheTo {
		if e.Mode == "" {
			c.to[i].Mode = "min"
		} else if e.Mode != "min" && e.Mode != "max" {
			return fmt.Errorf("--cache-to %s: mode %q: want min or max", e.Ref, e.Mode)
		}
		n, err := cacheRepo("--cache-to", e.Ref)
		if err != nil {
			return err
		}
		c.toRefs = append(c.toRefs, n)
	}
	if !p.opts.Layers {
		if stages {
			p.applyStageCache(c, opts)
			p.cache = c
		}
		return nil
	}
	p.opts.CacheFrom = c.from
	if c.warn != nil {
		p.opts.CachePullSourceLookupReferenceFunc = func(src types.ImageReference) (types.ImageReference, error) {
			return warnRef{src, c.warn}, nil
		}
	}
	if len(c.toRefs) > 0 {
		// One recorded "push" per entry: buildah's own destinations are
		// each --cache-to repository; the first is enough to learn the key.
		p.opts.CacheTo = c.toRefs[:1]
		// buildah says "--> Pushing cache" where hush only records.
		p.opts.Out = cachelog.HidePushLines(p.opts.Out)
		p.opts.CachePushDestinationLookupReferenceFunc = func(dest types.ImageReference) (types.ImageReference, error) {
			return recordOnlyRef{dest}, nil
		}
		p.opts.CachePushSourceLookupReferenceFunc = func(dest types.ImageReference) manifests.LookupReferenceFunc {
			return func(src types.ImageReference) (types.ImageReference, error) {
				c.record(dest, src)
				return src, nil
			}
		}
	}
	p.cache = c
	return nil
}

// cacheRepo parses a cache repository and drops any tag or digest.
func cacheRepo(flag, ref string) (reference.Named, error) {
	n, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", flag, ref, err)
	}
	return reference.TrimNamed(n), nil
}

// cacheRepoName is the repository of a cache entry's name, as a user
// would write it after --cache-from.
func cacheRepoName(n reference.Named) string {
	if n == nil {
		return "?"
	}
	return reference.FamiliarName(n)
}

func (c *registryCache) record(dest, src types.ImageReference) {
	nt, ok := dest.DockerReference().(reference.NamedTagged)
	if !ok {
		return
	}
	_, img, err := is.ResolveReference(src)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = append(c.entries, cacheEntry{key: nt.Tag(), image: img.ID})
}

// export pushes the noted entries to every --cache-to repository. The
// guard has passed the build: it scanned every image the build made and
// every layer of the final image; an entry made by an earlier build and not
// part of the final image was not vetted by this build and is left out.
// The image is already published, so a failed export is a warning.
func (c *registryCache) export(ctx context.Context, store storage.Store, before storestate.Snapshot, final string, p *plan) {
	if c == nil {
		return
	}
	if c.stage != nil {
		c.stage.export(ctx, store, final, c, p)
		return
	}
	finalLayers := map[string]bool{}
	if img, err := store.Image(final); err == nil {
		finalLayers = storestate.LayerChain(store, img.TopLayer)
	}
	c.mu.Lock()
	entries := append([]cacheEntry(nil), c.entries...)
	c.mu.Unlock()
	for i, repo := range c.toRefs {
		pushed, skipped := 0, 0
		for _, e := range entries {
			img, err := store.Image(e.image)
			if err != nil {
				continue
			}
			inFinal := img.TopLayer == "" || finalLayers[img.TopLayer]
			if c.to[i].Mode == "min" && !inFinal {
				continue
			}
			if before.Images[img.ID] && !inFinal {
				skipped++
				continue
			}
			if err := pushEntry(ctx, store, repo, e, p); err != nil {
				fmt.Fprintf(p.stderr, "hush: warning: --cache-to %s: %v\n", reference.FamiliarString(repo), err)
				break
			}
			pushed++
		}
		fmt.Fprintf(p.stderr, "hush: cache: %d entries exported to %s", pushed, reference.FamiliarString(repo))
		if skipped > 0 {
			fmt.Fprintf(p.stderr, " (%d from earlier builds left out: not vetted by this build)", skipped)
		}
		fmt.Fprintln(p.stderr)
	}
}

func pushEntry(ctx context.Context, store storage.Store, repo reference.Named, e cacheEntry, p *plan) error {
	tagged, err := reference.WithTag(repo, e.key)
	if err != nil {
		return err
	}
	dest, err := docker.NewReference(tagged)
	if err != nil {
		return err
	}
	src, err := is.Transport.ParseStoreReference(store, "@"+e.image)
	if err != nil {
		return err
	}
	_, err = publish.Copy(ctx, dest, src, p.sys, p.opts.ReportWriter)
	return err
}
