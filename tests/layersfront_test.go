package tests

import (
	"strings"
	"testing"
)

// TestLayersFreshRunnerHit: a fresh runner building with --layers and
// --cache-from takes the whole build's entry: no step runs, one image is
// pulled (not one per step, nor the build stage's), and the image is the
// one the first build made. A change still reruns only what depends on it
// (buildah's step entries).
func TestLayersFreshRunnerHit(t *testing.T) {
	c := newCanary(t)
	addr := startRegistry(t)
	repo := addr + "/team/layers-front"
	ctx := tempDir(t)
	// Contents of its own: the suite's store has other tests' step entries.
	v := randHex(t, 8)
	writeFiles(t, ctx, map[string]string{"Dockerfile": cacheDockerfile, "deps.txt": "deps " + v + "\n", "app.txt": "app " + v + "\n"})

	a := cacheBuild(t, c, storeFlags(), ctx, "--cache-to", "type=registry,ref="+repo+",mode=max")
	if strings.Join(a.ran, ",") != "deps,app,final" {
		t.Fatalf("first build ran %v, want every RUN", a.ran)
	}
	tags := registryTags(t, addr, "team/layers-front")
	whole := 0
	for _, tag := range tags {
		if strings.HasPrefix(tag, "hush-") {
			whole++
		}
	}
	if whole != 1 || len(tags) < cacheSteps+1 {
		t.Fatalf("the cache holds %v, want buildah's %d step entries and one hush- entry", tags, cacheSteps)
	}

	store := freshStore(t)
	args := append(append([]string{"build"}, store...), "--layers", "--tls-verify=false", "--progress", "json",
		"--secret", "id=s,src="+secretFile(t, "token", c.value), "--cache-from", repo, ctx)
	id, stderr := mustBuild(t, c, call{args: args})
	b := parseCacheRun(t, id, stderr)
	if len(b.ran) != 0 || b.hits != 1 || b.id != a.id {
		t.Errorf("fresh runner: ran %v, %d hits, image %s; want nothing run, 1 hit, %s", b.ran, b.hits, b.id, a.id)
	}
	if n := strings.Count(stderr, "Cache pulled from remote"); n != 1 || !strings.Contains(stderr, ":hush-") {
		t.Errorf("fresh runner pulled %d cache images, want the whole build's entry only:\n%s", n, stderr)
	}
	// Nothing but the image and its base (the entry holds the base's
	// layers): no step's image, no build stage.
	if unnamed, entries := storeImages(t, store[1]); len(unnamed) > 1 || len(entries) > 1 {
		t.Errorf("fresh runner's store holds %d unnamed images and entries %v; want the image and its entry", len(unnamed), entries)
	}

	writeFiles(t, ctx, map[string]string{"app.txt": "app v2 " + v + "\n"})
	changed := cacheBuild(t, c, freshStore(t), ctx, "--cache-from", repo)
	if strings.Join(changed.ran, ",") != "app,final" {
		t.Errorf("app.txt changed: ran %v, want app and final only (deps from buildah's step entries)", changed.ran)
	}
}
