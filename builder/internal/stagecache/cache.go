package stagecache

import (
	"context"
	"fmt"
	"go.podman.io/buildah/define"
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

// Export is one --cache-to registry repository.
type Export struct {
	// Ref is the repository; a tag or digest in it is ignored (each entry
	// is the tag REPOSITORY:<key>).
	Ref string
	// Mode is "min" (default: only the entries of the final stage, the
	// layers the image holds) or "max" (every stage's).
	Mode string
}

// Cache is a build's --cache-to/--cache-from: buildah keys every
// --layers step and pulls hits from CacheFrom itself; the entries it would
// push are only noted during the build (cachenull.go) and pushed by
// export, after the guard has passed the image.
type Cache struct {
	cfg     Config
	ids     *imageIDs // the images the keys name, resolved once (cachepull.go)
	layers  func(*define.BuildOptions)
	to      []Export
	toRefs  []reference.Named
	from    []reference.Named
	stage   *stageCache      // the default mode's cache (cachestage.go)
	front   *front           // --layers' whole-build entry (cachefront.go)
	warn    *cachelog.Warner // a --cache-from that could not be read
	mu      sync.Mutex
	entries []cacheEntry
}

type cacheEntry struct{ key, image string }

// New sets up cfg's caches: the registry cache (--cache-to/--cache-from)
// and the default mode's stage cache, which is on unless --no-cache (with
// --cache-to it still records, reusing nothing). It returns nil when the
// build uses no cache.
func New(cfg Config) (*Cache, error) {
	stages := !cfg.Layers && (!cfg.NoCache || len(cfg.CacheTo) > 0)
	if len(cfg.CacheTo) == 0 && len(cfg.CacheFrom) == 0 && !stages {
		return nil, nil
	}
	c := &Cache{cfg: cfg, ids: &imageIDs{}, to: append([]Export(nil), cfg.CacheTo...)}
	for _, ref := range cfg.CacheFrom {
		n, err := cacheRepo("--cache-from", ref)
		if err != nil {
			return nil, err
		}
		c.from = append(c.from, n)
	}
	if len(c.from) > 0 {
		c.warn = cachelog.NewWarner(cfg.Stderr)
	}
	for i, e := range cfg.CacheTo {
		if e.Mode == "" {
			c.to[i].Mode = "min"
		} else if e.Mode != "min" && e.Mode != "max" {
			return nil, fmt.Errorf("--cache-to %s: mode %q: want min or max", e.Ref, e.Mode)
		}
		n, err := cacheRepo("--cache-to", e.Ref)
		if err != nil {
			return nil, err
		}
		c.toRefs = append(c.toRefs, n)
	}
	if !cfg.Layers {
		if stages {
			c.stage = newStageCache(&c.cfg)
			return c, nil
		}
		return nil, nil
	}
	c.layers = func(opts *define.BuildOptions) {
		opts.CacheFrom = c.from
		if c.warn != nil {
			opts.CachePullSourceLookupReferenceFunc = func(src types.ImageReference) (types.ImageReference, error) {
				return warnRef{src, c.warn}, nil
			}
		}
		if len(c.toRefs) > 0 {
			// One recorded "push" per entry: buildah's own destinations are
			// each --cache-to repository; the first is enough to learn the key.
			opts.CacheTo = c.toRefs[:1]
			// buildah says "--> Pushing cache" where hush only records.
			opts.Out = cachelog.HidePushLines(opts.Out)
			opts.CachePushDestinationLookupReferenceFunc = func(dest types.ImageReference) (types.ImageReference, error) {
				return recordOnlyRef{dest}, nil
			}
			opts.CachePushSourceLookupReferenceFunc = func(dest types.ImageReference) manifests.LookupReferenceFunc {
				return func(src types.ImageReference) (types.ImageReference, error) {
					c.record(dest, src)
					return src, nil
				}
			}
		}
	}
	return c, nil
}

// Apply sets, with --layers, buildah's own cache options: buildah keys
// and pulls each step, and the entries it would push are only noted
// (cachenull.go) for Export.
func (c *Cache) Apply(opts *define.BuildOptions) {
	if c != nil && c.layers != nil {
		c.layers(opts)
	}
}

// cacheRepoName is the repository of a cache entry's name, as a user
// would write it after --cache-from.
func cacheRepoName(n reference.Named) string {
	if n == nil {
		return "?"
	}
	return reference.FamiliarName(n)
}

// cacheRepo parses a cache repository and drops any tag or digest.
func cacheRepo(flag, ref string) (reference.Named, error) {
	n, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", flag, ref, err)
	}
	return reference.TrimNamed(n), nil
}

func (c *Cache) record(dest, src types.ImageReference) {
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

// Export pushes the noted entries to every --cache-to repository (with a
// stage cache: names and pushes the stage entries). The guard has passed
// the build: it scanned every image the build made and every layer of the
// final image; an entry made by an earlier build and not part of the final
// image was not vetted by this build and is left out. The image is already
// published, so a failed export is a warning.
func (c *Cache) Export(ctx context.Context, store storage.Store, before storestate.Snapshot, final string) {
	if c == nil {
		return
	}
	p := c
	if c.stage != nil {
		c.stage.export(ctx, store, final, c)
		return
	}
	c.exportFront(ctx, store)
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
				fmt.Fprintf(p.cfg.Stderr, "hush: warning: --cache-to %s: %v\n", reference.FamiliarString(repo), err)
				break
			}
			pushed++
		}
		fmt.Fprintf(p.cfg.Stderr, "hush: cache: %d entries exported to %s", pushed, reference.FamiliarString(repo))
		if skipped > 0 {
			fmt.Fprintf(p.cfg.Stderr, " (%d from earlier builds left out: not vetted by this build)", skipped)
		}
		fmt.Fprintln(p.cfg.Stderr)
	}
}

func pushEntry(ctx context.Context, store storage.Store, repo reference.Named, e cacheEntry, p *Cache) error {
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
	_, err = publish.Copy(ctx, dest, src, p.cfg.Sys, p.cfg.Report)
	return err
}
