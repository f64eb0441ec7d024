package builder

import (
	"context"
	"fmt"
	"strings"

	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/storage"
)

// stageCache is the default mode's cache. A build whose inputs (the
// Dockerfile, the options that change what it makes, the content of its
// contexts, the ids of its base images, the ids and options of its secrets:
// cachekey.go) are all unchanged reuses the image an earlier build made and
// the guard passed, found in local storage by the name
// localhost/hush-build-cache:KEY, or in a --cache-from repository as
// REPO:hush-KEY. The guard scans a reused image again, with this build's
// secrets, before anything is tagged or exported.
type stageCache struct {
	inputs buildInputs
	reuse  bool   // false with --no-cache or --pull: only record
	key    string // set once storage is open; "" when not keyable
}

func stageCacheName(key string) string { return "localhost/hush-build-cache:" + key }

func (p *plan) applyStageCache(c *registryCache, o Options) {
	c.stage = &stageCache{
		inputs: collectInputs(o, p.opts.ContextDirectory, p.dockerfile, p.opts.CommonBuildOpts.Ulimit),
		reuse:  !o.NoCache && !o.Pull,
	}
}

// runOrReuse runs the build, or returns the image of an earlier build with
// the same inputs.
func (p *plan) runOrReuse(ctx context.Context, store storage.Store) (string, error) {
	if p.cache == nil || p.cache.stage == nil {
		return p.run(ctx, store)
	}
	s := p.cache.stage
	key, why := s.inputs.key(store, p.secrets.Loaded(), func() ([]byte, error) { return rotationSalt(store, p.cache) },
		func(name string) string { return pullBase(ctx, store, name, p) })
	if key == "" {
		fmt.Fprintf(p.stderr, "hush: build cache not used: %s\n", why)
		return p.run(ctx, store)
	}
	s.key = key
	if !s.reuse {
		return p.run(ctx, store)
	}
	if img, err := store.Image(stageCacheName(key)); err == nil {
		fmt.Fprintf(p.opts.Out, "--> Using cache %s (hush: the build's inputs are unchanged)\n", img.ID)
		return img.ID, nil
	}
	for _, repo := range p.cache.from {
		if id := pullStage(ctx, store, repo, key, p); id != "" {
			fmt.Fprintf(p.opts.Out, "--> Cache pulled from remote %s:hush-%s\n", reference.FamiliarString(repo), key)
			fmt.Fprintf(p.opts.Out, "--> Using cache %s (hush: the build's inputs are unchanged)\n", id)
			return id, nil
		}
	}
	return p.run(ctx, store)
}

// pullStage copies REPO:hush-KEY into local storage; "" if it is not there.
func pullStage(ctx context.Context, store storage.Store, repo reference.Named, key string, p *plan) string {
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
	if _, err := copyImage(ctx, dest, src, p); err != nil {
		return ""
	}
	img, err := store.Image(stageCacheName(key))
	if err != nil {
		return ""
	}
	return img.ID
}

// export runs after the guard passed the image and it was published: the
// image becomes the cache entry for its key, locally and in every
// --cache-to repository.
func (s *stageCache) export(ctx context.Context, store storage.Store, final string, c *registryCache, p *plan) {
	if s.key == "" {
		return
	}
	if err := store.AddNames(final, []string{stageCacheName(s.key)}); err != nil {
		fmt.Fprintf(p.stderr, "hush: warning: build cache: %v\n", err)
	}
	for _, repo := range c.toRefs {
		if err := pushEntry(ctx, store, repo, cacheEntry{key: "hush-" + s.key, image: final}, p); err != nil {
			fmt.Fprintf(p.stderr, "hush: warning: --cache-to %s: %v\n", reference.FamiliarString(repo), err)
			continue
		}
		fmt.Fprintf(p.stderr, "hush: cache: the build exported to %s\n", reference.FamiliarString(repo))
	}
}

// pullBase pulls a base image the key needs and local storage lacks, as the
// build would (pull if missing), so that a fresh runner can key its build.
// Only a fully qualified name is pulled: a short one is resolved by
// registries.conf in buildah, which the key cannot second-guess.
func pullBase(ctx context.Context, store storage.Store, name string, p *plan) string {
	first, _, ok := strings.Cut(name, "/")
	if !ok || !(strings.ContainsAny(first, ".:") || first == "localhost") {
		return ""
	}
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return ""
	}
	named = reference.TagNameOnly(named)
	src, err := docker.NewReference(named)
	if err != nil {
		return ""
	}
	dest, err := is.Transport.ParseStoreReference(store, named.String())
	if err != nil {
		return ""
	}
	if _, err := copyImage(ctx, dest, src, p); err != nil {
		return ""
	}
	return localImage(store, named.String())
}
