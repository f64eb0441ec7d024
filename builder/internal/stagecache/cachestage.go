package stagecache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hushbuild/hush/builder/internal/storestate"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/storage"
)

// stageCache is the default mode's cache, per stage. A stage whose inputs
// are unchanged (stagekey.go: its text, the build args it declares, what
// it builds on and copies from, the context paths it reads, the secrets
// it gets) reuses the image an earlier build made for it and the guard
// passed, found in local storage as localhost/hush-build-cache:KEY or in a
// --cache-from repository as REPO:hush-KEY.
//
// The build runs stage by stage (runStaged): each stage that misses is
// its own buildah build, with the stages it needs reduced to `FROM <id>`,
// so its committed image is known; the target stage's build is the
// image. The guard scans every image this build made, and every image it
// reused, with this build's secrets; only then are the stage images named
// and exported. A refused or failed build names nothing and removes the
// stage images it made.
type stageCache struct {
	cfg     *Config
	reuse   bool            // false with --no-cache: only record
	noReuse map[string]bool // --no-cache-filter stage names
	built   map[string]string
	reused  map[string]bool
	entries []cacheEntry // key -> image of each stage this build used
	final   string       // the target stage's key
	before  map[string]bool
	pulled  map[string]string // id -> key of the entries pulled from --cache-from
}

func stageCacheName(key string) string { return "localhost/hush-build-cache:" + key }

func newStageCache(cfg *Config) *stageCache {
	s := &stageCache{cfg: cfg, reuse: !cfg.NoCache, noReuse: map[string]bool{}, built: map[string]string{}, reused: map[string]bool{}, pulled: map[string]string{}}
	for _, n := range cfg.NoCacheFilter {
		s.noReuse[n] = true
	}
	return s
}

// Run runs the build through r, taking each stage it can from the cache
// (a nil Cache: r runs the whole build).
func (p *Cache) Run(ctx context.Context, store storage.Store, before storestate.Snapshot, r Runner) (string, error) {
	if p == nil {
		return r.Run(ctx, store)
	}
	if p.stage == nil {
		return p.runFront(ctx, store, r)
	}
	s := p.stage
	s.before = before.Images
	df, err := os.ReadFile(p.cfg.Dockerfile)
	if err != nil {
		return "", fmt.Errorf("reading the Dockerfile: %w", err)
	}
	plan, err := parseStages(df, p.cfg.Args, p.cfg.Target, s.cfg.BuildContexts)
	if err != nil || strings.HasSuffix(p.cfg.Dockerfile, ".in") {
		fmt.Fprintf(p.cfg.Stderr, "hush: stage cache not used: the Dockerfile cannot be split into stages\n")
		return r.Run(ctx, store)
	}
	keys, why := stageKeys(plan, s.keyInputs(ctx, store, p))
	target := len(plan.stages) - 1
	s.filter(plan)
	need := plan.needs(target)
	s.final = keys[target]
	if id := s.lookup(ctx, store, plan.stages[target], keys[target], p); id != "" {
		s.use(keys[target], id, true)
		return id, nil
	}
	single := p.cfg.Single || len(need) == 1 || len(p.cfg.Annotations) > 0
	for _, i := range need {
		if keys[i] == "" {
			fmt.Fprintf(p.cfg.Stderr, "hush: stage %s not cached: %s\n", plan.stages[i].name, why[i])
			// With --pull a stage keyed by nothing runs as buildah would
			// run it: one build, pulling every base.
			single = single || s.cfg.Pull
		}
	}
	if !single && s.firstHere(store, keys, need, p) {
		// Nothing says this store will build the Dockerfile again: most
		// often a fresh CI runner without a registry cache. Running it
		// stage by stage would commit (and the guard scan) every
		// intermediate stage, a build stage's toolchain and caches
		// included, for entries nobody reads. One buildah run records the
		// target and marks the Dockerfile seen; the next build here goes
		// stage by stage.
		single = true
	}
	if single {
		// One buildah build: only the target stage is recorded
		// (container isolation builds the stages itself; --annotation
		// would make a stage reduced to FROM commit a new image).
		if err := p.pullFor(ctx, store, nil); err != nil {
			return "", err
		}
		id, err := r.Run(ctx, store)
		if err == nil && keys[target] != "" {
			s.built[id] = keys[target]
			s.use(keys[target], id, false)
		}
		return id, err
	}
	done := map[int]string{}
	for _, i := range need {
		st := plan.stages[i]
		if i != target {
			if id := s.lookup(ctx, store, st, keys[i], p); id != "" {
				done[i] = id
				s.use(keys[i], id, true)
				continue
			}
		}
		id, err := p.runStage(ctx, store, r, plan, done, i)
		if err != nil {
			s.discard(store, func(string, string) bool { return true })
			s.unpull(store)
			return "", err
		}
		done[i] = id
		if _, ok := s.built[id]; !ok || keys[i] != "" {
			s.built[id] = keys[i]
		}
		if keys[i] != "" {
			s.use(keys[i], id, false)
		}
	}
	return done[target], nil
}

// firstHere: no registry cache is in play, no stage the target needs has
// an entry here, and this store never built this Dockerfile (and target)
// before.
func (s *stageCache) firstHere(store storage.Store, keys []string, need []int, p *Cache) bool {
	if len(p.from) > 0 {
		return false
	}
	for _, e := range p.to {
		if e.Mode == "max" {
			return false
		}
	}
	for _, i := range need {
		if keys[i] == "" {
			continue
		}
		if _, err := store.Image(stageCacheName(keys[i])); err == nil {
			return false
		}
	}
	_, err := store.Image(s.seenName(p))
	return err != nil
}

// seenName marks, in local storage, the last image this store built from
// a Dockerfile (by its path) and target: the name moves to each new one.
func (s *stageCache) seenName(p *Cache) string {
	df, _ := filepath.Abs(p.cfg.Dockerfile)
	in := "hush-seen-v1\x00" + df + "\x00" + p.cfg.Target
	if p.cfg.Platform != "" {
		// One name per platform: a multi-platform build's platforms
		// would otherwise take it from each other and drop the image.
		in += "\x00" + p.cfg.Platform
	}
	h := sha256.Sum256([]byte(in))
	return "localhost/hush-build-seen:" + hex.EncodeToString(h[:16])
}

// lookup finds stage st's image by its key: in local storage, or pulled
// from a --cache-from repository. "" when it must be built.
func (s *stageCache) lookup(ctx context.Context, store storage.Store, st dfStage, key string, p *Cache) string {
	if key == "" || !s.reuse || s.noReuse[st.name] {
		return ""
	}
	if img, err := store.Image(stageCacheName(key)); err == nil {
		fmt.Fprintf(p.cfg.Out, "--> Using cache %s (hush: stage %s: its inputs are unchanged)\n", img.ID, st.name)
		return img.ID
	}
	for _, repo := range p.from {
		if id := pullStage(ctx, store, repo, key, p); id != "" {
			s.pulled[id] = key
			fmt.Fprintf(p.cfg.Out, "--> Cache pulled from remote %s:hush-%s\n", reference.FamiliarString(repo), key)
			fmt.Fprintf(p.cfg.Out, "--> Using cache %s (hush: stage %s: its inputs are unchanged)\n", id, st.name)
			return id
		}
	}
	return ""
}

// filter extends --no-cache-filter to the stages built from a filtered
// one (it runs again, so what it makes is new to them), noted by name.
func (s *stageCache) filter(plan *dfPlan) {
	if len(s.noReuse) == 0 {
		return
	}
	for _, st := range plan.stages {
		for _, j := range plan.needs(st.index) {
			if d := plan.stages[j]; s.noReuse[d.name] || s.noReuse[strconv.Itoa(d.index)] {
				s.noReuse[st.name] = true
			}
		}
	}
}

func (s *stageCache) use(key, id string, reused bool) {
	s.entries = append(s.entries, cacheEntry{key: key, image: id})
	if reused {
		s.reused[id] = true
	}
}

// GuardSnapshot is before without the cache images the build reused: the
// guard scans those again, with this build's secrets, as if new.
func (c *Cache) GuardSnapshot(before storestate.Snapshot) storestate.Snapshot {
	if c == nil || c.stage == nil || len(c.stage.reused) == 0 {
		return before
	}
	s := before
	s.Images = map[string]bool{}
	for id := range before.Images {
		if !c.stage.reused[id] {
			s.Images[id] = true
		}
	}
	return s
}

// Discard removes the unnamed stage images this build made, except
// keep (the image the build hands on) and images storage held before.
func (c *Cache) Discard(store storage.Store, keep string) {
	if c != nil && c.stage == nil {
		c.discardFront(store)
	}
	if c == nil || c.stage == nil {
		return
	}
	c.stage.discard(store, func(id, key string) bool { return id != keep })
	c.stage.unpull(store)
}

// unpull takes back the names of the entries pulled for a build that
// did not pass (the pull named them), and removes those left unnamed: a
// refused or failed build names nothing.
func (s *stageCache) unpull(store storage.Store) {
	for id, key := range s.pulled {
		if s.before[id] {
			continue
		}
		_ = store.RemoveNames(id, []string{stageCacheName(key)})
		if img, err := store.Image(id); err == nil && len(img.Names) == 0 {
			_, _ = store.DeleteImage(id, true)
		}
	}
}

func (s *stageCache) discard(store storage.Store, doomed func(id, key string) bool) {
	for id, key := range s.built {
		if s.before[id] || !doomed(id, key) {
			continue
		}
		if img, err := store.Image(id); err == nil && len(img.Names) == 0 {
			_, _ = store.DeleteImage(id, true)
		}
	}
}

// export runs after the guard passed every image the build made or
// reused and the image was published: each stage image becomes the cache
// entry for its key, locally and, for the target (mode=min) or every
// stage (mode=max), in each --cache-to repository.
func (s *stageCache) export(ctx context.Context, store storage.Store, final string, p *Cache) {
	// A stage image no key names is not kept.
	s.discard(store, func(id, key string) bool { return key == "" && id != final })
	for id, key := range s.built {
		if key != "" {
			nameEntry(store, id, key, p)
		}
	}
	if s.final != "" {
		moveName(store, final, s.seenName(p), p)
	}
	for i, repo := range p.toRefs {
		pushed := 0
		for _, e := range s.entries {
			if p.to[i].Mode == "min" && e.key != s.final {
				continue
			}
			if err := pushEntry(ctx, store, repo, cacheEntry{key: "hush-" + e.key, image: e.image}, p); err != nil {
				fmt.Fprintf(p.cfg.Stderr, "hush: warning: --cache-to %s: %v\n", reference.FamiliarString(repo), err)
				break
			}
			pushed++
		}
		fmt.Fprintf(p.cfg.Stderr, "hush: cache: %d entries exported to %s\n", pushed, reference.FamiliarString(repo))
	}
}

// nameEntry names image id as the cache entry for key.
func nameEntry(store storage.Store, id, key string, p *Cache) {
	moveName(store, id, stageCacheName(key), p)
}

// moveName gives name to image id. An image that held the name before and
// is left with none is removed: no stray images.
func moveName(store storage.Store, id, name string, p *Cache) {
	old, err := store.Image(name)
	if err == nil && old.ID == id {
		return
	}
	if err := store.AddNames(id, []string{name}); err != nil {
		fmt.Fprintf(p.cfg.Stderr, "hush: warning: build cache: %v\n", err)
		return
	}
	if old != nil {
		if img, err := store.Image(old.ID); err == nil && len(img.Names) == 0 {
			_, _ = store.DeleteImage(old.ID, true)
		}
	}
}

// Records reports whether id is an image this build's stage cache keeps
// as the entry for a key, so it must stay when the build hands on another.
func (c *Cache) Records(id string) bool {
	if c == nil || c.stage == nil {
		return false
	}
	for _, e := range c.stage.entries {
		if e.image == id && e.key != "" {
			return true
		}
	}
	return false
}
