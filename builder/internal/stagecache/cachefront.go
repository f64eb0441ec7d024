package stagecache

import (
	"context"
	"fmt"
	"os"
	"strings"

	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/storage"
)

// front is --layers' whole-build entry in the registry cache. buildah's
// own --cache-from pulls the image of every step, an earlier stage's
// included, to reach the last one: on a fresh runner, 0.69 times a cold
// build. So beside buildah's step entries, --cache-to pushes the image the
// build made as REPO:hush-KEY, KEY the target stage's key (stagekey.go,
// with the mode in it: a --layers image is not the default mode's), and a
// build with --cache-from first looks for that entry: a hit pulls only the
// layers the image holds and runs no step.
type front struct {
	key    string // the target stage's key; "" when it cannot be keyed
	image  string // what the build handed on: buildah's image, or the entry pulled
	pulled bool
}

// runFront runs a --layers build: the whole-build entry from --cache-from
// when there is one, else buildah (its step cache as before).
func (p *Cache) runFront(ctx context.Context, store storage.Store, r Runner) (string, error) {
	if len(p.from) == 0 && len(p.toRefs) == 0 {
		return r.Run(ctx, store)
	}
	key := p.frontKey(ctx, store)
	p.front = &front{key: key}
	if key != "" && !p.cfg.NoCache {
		for _, repo := range p.from {
			if id := pullStage(ctx, store, repo, key, p); id != "" {
				fmt.Fprintf(p.cfg.Out, "--> Cache pulled from remote %s:hush-%s\n", reference.FamiliarString(repo), key)
				fmt.Fprintf(p.cfg.Out, "--> Using cache %s (hush: the whole build: its inputs are unchanged)\n", id)
				p.front.image, p.front.pulled = id, true
				return id, nil
			}
		}
	}
	// The key named the bases by what the registry said: build on those.
	if err := p.pullFor(ctx, store, nil); err != nil {
		return "", err
	}
	id, err := r.Run(ctx, store)
	p.front.image = id
	return id, err
}

// frontKey is the target stage's key with the mode in it; "" when the
// Dockerfile or the stage cannot be keyed.
func (p *Cache) frontKey(ctx context.Context, store storage.Store) string {
	df, err := os.ReadFile(p.cfg.Dockerfile)
	if err != nil || strings.HasSuffix(p.cfg.Dockerfile, ".in") {
		return ""
	}
	plan, err := parseStages(df, p.cfg.Args, p.cfg.Target, p.cfg.BuildContexts)
	if err != nil {
		return ""
	}
	in := newStageCache(&p.cfg).keyInputs(ctx, store, p)
	in.global = append(in.global, []byte(" layers")...)
	keys, _ := stageKeys(plan, in)
	return keys[len(plan.stages)-1]
}

// exportFront pushes the whole-build entry to every --cache-to
// repository; the guard passed the image.
func (p *Cache) exportFront(ctx context.Context, store storage.Store) {
	f := p.front
	if f == nil || f.key == "" || f.image == "" || f.pulled {
		return
	}
	for _, repo := range p.toRefs {
		if err := pushEntry(ctx, store, repo, cacheEntry{key: "hush-" + f.key, image: f.image}, p); err != nil {
			fmt.Fprintf(p.cfg.Stderr, "hush: warning: --cache-to %s: %v\n", reference.FamiliarString(repo), err)
		}
	}
}

// discardFront takes back a pulled entry's name for a build that did not
// pass, and removes the entry if nothing else names it.
func (p *Cache) discardFront(store storage.Store) {
	f := p.front
	if f == nil || !f.pulled {
		return
	}
	_ = store.RemoveNames(f.image, []string{stageCacheName(f.key)})
	if img, err := store.Image(f.image); err == nil && len(img.Names) == 0 {
		_, _ = store.DeleteImage(f.image, true)
	}
}
