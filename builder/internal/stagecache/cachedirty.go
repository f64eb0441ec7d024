package stagecache

import (
	"fmt"
	"github.com/hushbuild/hush/audit"

	"go.podman.io/storage"
)

// dropDirty sorts the guard's findings for a build that ran stage by
// stage. A finding in the image the build hands on refuses the build, as
// always. A finding only in an intermediate stage's image (a build stage
// whose .git/config or .npmrc holds a token, while the final stage copies
// out only what it needs) does not: that image is no output, and without
// the stage cache it would never have been committed. It is only never a
// cache entry: built here, it is removed; reused or pulled, its name is
// taken back, so no later build reuses it. It returns the findings that
// refuse the build.
// DropDirty is dropDirty for a build with a stage cache (nil: findings
// as they are).
func (c *Cache) DropDirty(store storage.Store, final string, findings []audit.Finding) []audit.Finding {
	if c == nil {
		return findings
	}
	return c.stage.dropDirty(store, final, findings, c)
}

func (s *stageCache) dropDirty(store storage.Store, final string, findings []audit.Finding, p *Cache) []audit.Finding {
	if s == nil {
		return findings
	}
	var refuse []audit.Finding
	dirty := map[string]string{} // image -> the stage, as the guard names it
	for _, f := range findings {
		_, built := s.built[f.Image]
		_, pulled := s.pulled[f.Image]
		if f.Image == final || f.Image == "" || !(built || s.reused[f.Image] || pulled) {
			refuse = append(refuse, f)
			continue
		}
		if _, seen := dirty[f.Image]; !seen {
			dirty[f.Image] = f.Stage
			fmt.Fprintf(p.cfg.Stderr, "hush: stage cache: the image of stage %q holds secret %q: not cached (the final image does not hold it)\n", f.Stage, f.SecretID)
		}
	}
	if len(refuse) > 0 {
		return refuse
	}
	kept := s.entries[:0]
	for _, e := range s.entries {
		if _, bad := dirty[e.image]; !bad {
			kept = append(kept, e)
			continue
		}
		_ = store.RemoveNames(e.image, []string{stageCacheName(e.key)})
	}
	s.entries = kept
	for id := range dirty {
		delete(s.built, id)
		delete(s.pulled, id)
		// Also a reused entry held before the build: its only name was
		// the cache's, taken back above.
		if img, err := store.Image(id); err == nil && len(img.Names) == 0 {
			_, _ = store.DeleteImage(id, true)
		}
	}
	return nil
}
