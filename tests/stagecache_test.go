package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// storeImages reads a store's image records as root: the ids of images
// with no name, and the stage cache's names.
func storeImages(t *testing.T, root string) (unnamed, entries []string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(root, "*-images", "images.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var imgs []struct {
			ID    string   `json:"id"`
			Names []string `json:"names"`
		}
		if err := json.Unmarshal(b, &imgs); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, i := range imgs {
			if len(i.Names) == 0 {
				unnamed = append(unnamed, i.ID)
			}
			for _, n := range i.Names {
				if strings.HasPrefix(n, "localhost/hush-build-cache:") {
					entries = append(entries, n)
				}
			}
		}
	}
	sort.Strings(entries)
	return unnamed, entries
}

// assertNoStray fails if a store holds an image with no name: every stage
// image a build made is a cache entry, the final image, or gone.
func assertNoStray(t *testing.T, root, when string) {
	t.Helper()
	if unnamed, _ := storeImages(t, root); len(unnamed) > 0 {
		t.Errorf("%s: %d unnamed images left in the store: %v", when, len(unnamed), unnamed)
	}
}

// TestStageCachePerStage: each stage is its own cache entry. An unchanged
// rebuild makes the same image without running anything; a change to a
// file only one stage copies reruns that stage and those built from it,
// while the independent stage is a hit; a file .dockerignore excludes
// changes nothing. No build leaves an unnamed image.
func TestStageCachePerStage(t *testing.T) {
	c := newCanary(t)
	store := freshStore(t)
	root := store[1]
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": cacheDockerfile, "deps.txt": "deps v1\n", "app.txt": "app v1\n",
		".dockerignore": "ignored.txt\n", "ignored.txt": "v1\n"})
	secret := secretFile(t, "token", c.value)
	run := func() cacheRun { t.Helper(); return stageCacheBuild(t, c, secret, store, ctx, "--stage-cache") }

	a := run()
	if strings.Join(a.ran, ",") != "deps,app,final" || a.hits != 0 {
		t.Fatalf("first build ran %v with %d hits, want every stage run and no hit", a.ran, a.hits)
	}
	assertNoStray(t, root, "first build")
	// The store's first build of this Dockerfile is one buildah run (a
	// fresh CI runner pays nothing for entries nobody reads): only the
	// target is an entry.
	if _, entries := storeImages(t, root); len(entries) != 1 {
		t.Errorf("first build left cache entries %v, want the target's only", entries)
	}
	if again := run(); len(again.ran) != 0 || again.hits != 1 || again.id != a.id {
		t.Errorf("unchanged rebuild: ran %v, %d hits, image %s; want nothing run, the whole image a hit, %s", again.ran, again.hits, again.id, a.id)
	}
	writeFiles(t, ctx, map[string]string{"ignored.txt": "v2\n"})
	if ign := run(); len(ign.ran) != 0 || ign.id != a.id {
		t.Errorf("a file .dockerignore excludes changed: ran %v, image %s; want nothing run, %s", ign.ran, ign.id, a.id)
	}
	// Built here before: stage by stage now, so each stage is an entry.
	writeFiles(t, ctx, map[string]string{"deps.txt": "deps v2\n"})
	if second := run(); strings.Join(second.ran, ",") != "deps,app,final" || second.hits != 0 {
		t.Errorf("deps.txt changed, no stage entry yet: ran %v with %d hits, want every stage run", second.ran, second.hits)
	}
	if _, entries := storeImages(t, root); len(entries) != 4 {
		t.Errorf("second build left cache entries %v, want the first target's and one per stage (4)", entries)
	}
	writeFiles(t, ctx, map[string]string{"deps.txt": "deps v3\n"})
	d := run()
	if strings.Join(d.ran, ",") != "deps,final" || d.hits != 1 || d.id == a.id {
		t.Errorf("deps.txt changed again: ran %v, %d hits, image %s; want deps and final run, app a hit, a new image", d.ran, d.hits, d.id)
	}
	f := stageCacheBuild(t, c, secret, store, ctx, "--no-cache-filter", "app")
	if strings.Join(f.ran, ",") != "app,final" || f.hits != 1 {
		t.Errorf("--no-cache-filter app: ran %v, %d hits; want app and final (built from it) run, deps a hit", f.ran, f.hits)
	}
	assertNoStray(t, root, "after the rebuilds")
	n := stageCacheBuild(t, c, secret, store, ctx, "--no-cache", "-t", tagFor(t, "nocache"))
	if strings.Join(n.ran, ",") != "deps,app,final" || n.hits != 0 {
		t.Errorf("--no-cache: ran %v, %d hits; want every stage run, no hit", n.ran, n.hits)
	}
}

// TestStageCacheBaseArg: `FROM $BASE` is keyed by the image BASE names;
// another BASE misses.
func TestStageCacheBaseArg(t *testing.T) {
	store := freshStore(t)
	other := tempDir(t)
	writeFiles(t, other, map[string]string{"Dockerfile": "FROM localhost/busybox\nRUN echo other > /other\n"})
	mustBuild(t, nil, call{args: append(append([]string{"build"}, store...), "--no-cache", "-t", "localhost/base2", other)})
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": "ARG BASE=localhost/nothing\nFROM $BASE AS b\nRUN echo RUNNING-b && echo b > /b\nFROM b\nRUN echo RUNNING-final && echo f > /f\n"})
	run := func(base string) cacheRun {
		t.Helper()
		args := append(append([]string{"build"}, store...), "--progress", "json", "--stage-cache", "--build-arg", "BASE="+base, ctx)
		id, stderr := mustBuild(t, nil, call{args: args})
		if strings.Contains(stderr, "not cached") {
			t.Errorf("BASE=%s: a stage was not cached:\n%s", base, stderr)
		}
		return parseCacheRun(t, id, stderr)
	}
	a := run("localhost/busybox")
	if strings.Join(a.ran, ",") != "b,final" {
		t.Fatalf("first build ran %v, want b,final", a.ran)
	}
	if again := run("localhost/busybox"); len(again.ran) != 0 || again.hits != 1 || again.id != a.id {
		t.Errorf("same BASE: ran %v, %d hits, image %s; want a hit on %s", again.ran, again.hits, again.id, a.id)
	}
	if b := run("localhost/base2"); strings.Join(b.ran, ",") != "b,final" || b.hits != 0 {
		t.Errorf("another BASE: ran %v with %d hits, want b,final run", b.ran, b.hits)
	}
}

// TestStageCacheRegistryModes: --cache-to mode=max exports every stage,
// mode=min the final one. A fresh store with either hits the whole image;
// after a change to app.txt, mode=max still gives deps, mode=min nothing.
// No cache entry, in the registry or in local storage, holds the secret a
// RUN step used.
func TestStageCacheRegistryModes(t *testing.T) {
	c := newCanary(t)
	addr := startRegistry(t)
	maxRepo, minRepo := addr+"/team/stage-max", addr+"/team/stage-min"
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": cacheDockerfile, "deps.txt": "deps v1\n", "app.txt": "app v1\n"})
	secret := secretFile(t, "token", c.value)
	storeA := freshStore(t)
	a := stageCacheBuild(t, c, secret, storeA, ctx, "--cache-to", "type=registry,ref="+maxRepo+",mode=max",
		"--cache-to", "type=registry,ref="+minRepo+",mode=min")
	if len(a.ran) != 3 {
		t.Fatalf("first build ran %v, want every stage", a.ran)
	}
	if n := len(registryTags(t, addr, "team/stage-max")); n != 3 {
		t.Errorf("mode=max exported %d entries, want 3 (one per stage)", n)
	}
	if n := len(registryTags(t, addr, "team/stage-min")); n != 1 {
		t.Errorf("mode=min exported %d entries, want 1 (the final stage)", n)
	}
	for _, repo := range []string{maxRepo, minRepo} {
		r := stageCacheBuild(t, c, secret, freshStore(t), ctx, "--cache-from", "type=registry,ref="+repo)
		if len(r.ran) != 0 || r.hits != 1 || r.id != a.id {
			t.Errorf("fresh store, --cache-from %s: ran %v, %d hits, image %s; want nothing run, %s", repo, r.ran, r.hits, r.id, a.id)
		}
	}
	writeFiles(t, ctx, map[string]string{"app.txt": "app v2\n"})
	if r := stageCacheBuild(t, c, secret, freshStore(t), ctx, "--cache-from", maxRepo); strings.Join(r.ran, ",") != "app,final" || r.hits != 1 {
		t.Errorf("app.txt changed, fresh store, mode=max cache: ran %v, %d hits; want app,final run and deps a hit", r.ran, r.hits)
	}
	if r := stageCacheBuild(t, c, secret, freshStore(t), ctx, "--cache-from", minRepo); strings.Join(r.ran, ",") != "deps,app,final" {
		t.Errorf("app.txt changed, fresh store, mode=min cache: ran %v; want every stage run", r.ran)
	}

	layout := filepath.Join(tempDir(t), "cache")
	for _, repo := range []string{"team/stage-max", "team/stage-min"} {
		for _, tag := range registryTags(t, addr, repo) {
			if _, err := skopeo(t, false, "copy", "-q", "--src-tls-verify=false", "docker://"+addr+"/"+repo+":"+tag, "oci:"+layout+":"+repo+"-"+tag); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Read as the store's owner, into a directory it owns.
	local := filepath.Join(tempDir(t), "local")
	_, entries := storeImages(t, storeA[1])
	for _, name := range entries {
		if _, err := skopeo(t, true, "copy", "-q", storeRef(storeA[1], storeA[3], name), "oci:"+local+":"+strings.TrimPrefix(name, "localhost/hush-build-cache:")); err != nil {
			t.Fatal(err)
		}
	}
	if len(entries) != 3 {
		t.Errorf("local cache entries %v, want 3", entries)
	}
	for _, dir := range []string{layout, local} {
		for _, leak := range findLeaks(t, dir, c) {
			t.Errorf("LEAK in a cache entry: %s", leak)
		}
	}
}

// TestStageCacheGuard: a secret only in an intermediate stage's image
// does not refuse the build (its output is clean) but that image is never
// a cache entry, here or in a registry; a stage taken from the cache, or
// pulled, is scanned again with this build's secrets and dropped from the
// cache when it now holds one; a build refused for its final image leaves
// no cache name, no unnamed image and no registry entry.
func TestStageCacheGuard(t *testing.T) {
	c := newCanary(t)
	addr := startRegistry(t)
	store := freshStore(t)
	root := store[1]
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox AS leak\nRUN --mount=type=secret,id=s cp /run/secrets/s /leak && echo clean > /clean\n" +
		"FROM localhost/busybox\nCOPY --from=leak /clean /clean\nRUN echo RUNNING-final\n"})
	args := append(append([]string{"build"}, store...), "--stage-cache", "--tls-verify=false", "--cache-to", "type=registry,ref="+addr+"/leaky,mode=max",
		"--secret", "id=s,src="+secretFile(t, "token", c.value), ctx)
	// The leak stage's image holds the secret; the final image copies out
	// only /clean. The build passes (its output is clean), and the leak
	// stage is never a cache entry, here or in the registry.
	r0 := runHush(t, c, call{args: args})
	if r0.code != 0 || !strings.Contains(r0.stderr, "not cached") {
		t.Fatalf("secret only in an intermediate stage: exit %d, want 0 with a not-cached note\n%s", r0.code, c.mask(r0.stderr))
	}
	if _, entries := storeImages(t, root); len(entries) != 1 {
		t.Errorf("entries %v, want the final stage's only", entries)
	}
	assertNoStray(t, root, "build with a dirty intermediate stage")
	if tags := registryTags(t, addr, "leaky"); len(tags) != 1 {
		t.Errorf("exported %v, want the final stage's entry only", tags)
	}
	for _, leak := range registryLeaks(t, addr, "leaky", c) {
		t.Errorf("LEAK in an exported entry: %s", leak)
	}

	// deps holds token.txt; the final image only deps.out.
	later := newCanary(t)
	ctx2 := tempDir(t)
	writeFiles(t, ctx2, map[string]string{"Dockerfile": cacheDockerfile, "deps.txt": "deps\n", "app.txt": "app v1\n",
		"token.txt": later.value})
	df := strings.Replace(cacheDockerfile, "COPY deps.txt /deps.txt\n", "COPY deps.txt token.txt /\n", 1)
	writeFiles(t, ctx2, map[string]string{"Dockerfile": df})
	first := stageCacheBuild(t, c, secretFile(t, "token", c.value), store, ctx2, "--cache-to", "type=registry,ref="+addr+"/guarded,mode=max")
	if len(first.ran) != 3 {
		t.Fatalf("first build ran %v, want every stage", first.ran)
	}
	writeFiles(t, ctx2, map[string]string{"app.txt": "app v2\n"})
	_, entriesBefore := storeImages(t, root)
	r := runHush(t, nil, call{args: append(append([]string{"build"}, store...), "--stage-cache", "--progress", "json",
		"--secret", "id=s,src="+secretFile(t, "token", later.value), ctx2)})
	if r.code != 0 || !strings.Contains(r.stderr, "not cached") {
		t.Fatalf("reused deps holds the new secret, the final image not: exit %d, want 0 and deps dropped from the cache (the guard scans a reused stage with this build's secrets)\n%s", r.code, later.mask(r.stderr))
	}
	if !strings.Contains(r.stderr, "Using cache") {
		t.Errorf("deps was not taken from the cache, so the test proves nothing:\n%s", later.mask(r.stderr))
	}
	_, entriesAfter := storeImages(t, root)
	gone := 0
	for _, e := range entriesBefore {
		if !strings.Contains(" "+strings.Join(entriesAfter, " ")+" ", " "+e+" ") {
			gone++
		}
	}
	if gone != 1 {
		t.Errorf("entries before %v, after %v: want exactly deps' entry taken back", entriesBefore, entriesAfter)
	}
	assertNoStray(t, root, "build with a reused stage that now holds a secret")

	// The same from the registry: the pulled entry is scanned, the build
	// refused, and the entry the pull named loses its name.
	fresh := freshStore(t)
	r = runHush(t, nil, call{args: append(append([]string{"build"}, fresh...), "--tls-verify=false", "--progress", "json",
		"--cache-from", addr+"/guarded", "--secret", "id=s,src="+secretFile(t, "token", later.value), ctx2)})
	if r.code != 0 || !strings.Contains(r.stderr, "not cached") {
		t.Fatalf("pulled deps holds the new secret, the final image not: exit %d, want 0 and deps dropped\n%s", r.code, later.mask(r.stderr))
	}
	if !strings.Contains(r.stderr, "Cache pulled from remote") {
		t.Errorf("deps was not pulled from the registry cache, so the test proves nothing:\n%s", later.mask(r.stderr))
	}
	if _, entries := storeImages(t, fresh[1]); len(entries) != 2 {
		t.Errorf("entries %v: want app's and final's, not the pulled deps", entries)
	}
	assertNoStray(t, fresh[1], "build with a pulled stage that now holds a secret")

	// A clean pulled entry, in a build refused for its final stage, is
	// not left named either.
	ctx3 := tempDir(t)
	writeFiles(t, ctx3, map[string]string{"deps.txt": "deps\n", "app.txt": "app v1\n", "token.txt": later.value,
		"Dockerfile": strings.Replace(df, "test -s /run/secrets/s", "cp /run/secrets/s /leak", 1)})
	fresh = freshStore(t)
	r = runHush(t, c, call{args: append(append([]string{"build"}, fresh...), "--tls-verify=false", "--progress", "json",
		"--cache-from", addr+"/guarded", "--secret", "id=s,src="+secretFile(t, "token", c.value), ctx3)})
	if r.code != 3 || !strings.Contains(r.stderr, "Cache pulled from remote") {
		t.Fatalf("leaky final stage over a pulled deps: exit %d, want 3 with deps pulled\n%s", r.code, c.mask(r.stderr))
	}
	if _, entries := storeImages(t, fresh[1]); len(entries) != 0 {
		t.Errorf("a refused build left the cache entry it pulled named: %v", entries)
	}
	assertNoStray(t, fresh[1], "refused build over a pulled stage")
}

// TestStageCacheDockerfileIgnore: a stage run on its own keeps the ignore
// file beside the Dockerfile (buildah looks for it beside the Dockerfile it
// is given), and the key follows it.
func TestStageCacheDockerfileIgnore(t *testing.T) {
	store := freshStore(t)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{
		"build/app.Dockerfile": "FROM localhost/busybox AS a\nCOPY . /ctx\nRUN echo RUNNING-a\n" +
			"FROM localhost/busybox\nCOPY --from=a /ctx /ctx\nRUN echo RUNNING-final && test ! -e /ctx/skip.txt && test -e /ctx/keep.txt\n",
		"build/app.Dockerfile.dockerignore": "skip.txt\n",
		"skip.txt":                          "v1\n",
		"keep.txt":                          "v1\n",
	})
	run := func() cacheRun {
		t.Helper()
		args := append(append([]string{"build"}, store...), "--progress", "json", "-f", filepath.Join(ctx, "build/app.Dockerfile"), ctx)
		id, stderr := mustBuild(t, nil, call{args: args})
		return parseCacheRun(t, id, stderr)
	}
	if a := run(); strings.Join(a.ran, ",") != "a,final" {
		t.Fatalf("first build ran %v, want a,final", a.ran)
	}
	writeFiles(t, ctx, map[string]string{"skip.txt": "v2\n"})
	if b := run(); len(b.ran) != 0 {
		t.Errorf("a file the Dockerfile's ignore file excludes changed: ran %v, want nothing", b.ran)
	}
	writeFiles(t, ctx, map[string]string{"keep.txt": "v2\n"})
	if c := run(); strings.Join(c.ran, ",") != "a,final" {
		t.Errorf("keep.txt changed: ran %v, want a,final", c.ran)
	}
}
