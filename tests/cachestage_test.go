package tests

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stageCacheBuild runs a default-mode build with --progress json, like
// cacheBuild without --layers.
func stageCacheBuild(t *testing.T, c *canary, secret string, store []string, ctx string, flags ...string) cacheRun {
	t.Helper()
	args := append(append([]string{"build"}, store...), "--tls-verify=false", "--progress", "json",
		"--secret", "id=s,src="+secret)
	args = append(append(args, flags...), ctx)
	id, stderr := mustBuild(t, c, call{args: args})
	return parseCacheRun(t, id, stderr)
}

// TestStageCache: in the default mode, a build whose inputs are unchanged
// reuses the earlier image (also on a fresh store through the registry);
// a rotated secret value is not an input; a changed context file is.
func TestStageCache(t *testing.T) {
	c := newCanary(t)
	addr := startRegistry(t)
	repo := addr + "/team/stage-cache"
	ctx := tempDir(t)
	// The random line keeps other tests' builds from sharing the key.
	writeFiles(t, ctx, map[string]string{"Dockerfile": cacheDockerfile + "LABEL e2e=" + randHex(t, 6) + "\n",
		"deps.txt": "deps v1\n", "app.txt": "app v1\n"})
	secret := secretFile(t, "token", c.value)

	a := stageCacheBuild(t, c, secret, storeFlags(), ctx, "--stage-cache")
	if strings.Join(a.ran, ",") != "deps,app,final" || a.hits != 0 {
		t.Fatalf("first build ran %v with %d hits, want every RUN and no hit", a.ran, a.hits)
	}
	again := stageCacheBuild(t, c, secret, storeFlags(), ctx, "--stage-cache", "--cache-to", repo)
	if len(again.ran) != 0 || again.hits != 1 || again.id != a.id {
		t.Errorf("unchanged rebuild: ran %v, %d hits, image %s; want nothing run, 1 hit, %s", again.ran, again.hits, again.id, a.id)
	}

	rotated := newCanary(t)
	r := stageCacheBuild(t, rotated, secretFile(t, "token", rotated.value), storeFlags(), ctx, "--stage-cache")
	if len(r.ran) != 0 || r.id != a.id {
		t.Errorf("new secret value (no opt-in): ran %v, image %s; want a hit on %s (values are not in the key)", r.ran, r.id, a.id)
	}

	fresh := stageCacheBuild(t, c, secret, freshStore(t), ctx, "--cache-from", "type=registry,ref="+repo)
	if len(fresh.ran) != 0 || fresh.hits != 1 || fresh.id != a.id {
		t.Errorf("fresh store with --cache-from: ran %v, %d hits, image %s; want nothing run, 1 hit, %s", fresh.ran, fresh.hits, fresh.id, a.id)
	}

	writeFiles(t, ctx, map[string]string{"app.txt": "app v2\n"})
	changed := stageCacheBuild(t, c, secret, storeFlags(), ctx, "--stage-cache")
	if len(changed.ran) == 0 || changed.id == a.id {
		t.Errorf("app.txt changed: ran %v, image %s; want a rebuild", changed.ran, changed.id)
	}

	t.Run("no secret or fast hash of it in the cache", func(t *testing.T) {
		forms := fastHashes(c.value)
		tags := registryTags(t, addr, "team/stage-cache")
		if len(tags) == 0 {
			t.Fatal("--cache-to exported nothing")
		}
		names := append(imageNames(t, suite.root), tags...)
		for _, n := range names {
			for form, text := range forms {
				if strings.Contains(n, text) {
					t.Errorf("cache name %s holds the secret's %s", n, form)
				}
			}
		}
		layout := filepath.Join(tempDir(t), "cache")
		for _, tag := range tags {
			if _, err := skopeo(t, false, "copy", "-q", "--src-tls-verify=false", "docker://"+repo+":"+tag, "oci:"+layout+":"+tag); err != nil {
				t.Fatal(err)
			}
		}
		for name, text := range forms {
			c.also(name, text)
		}
		for _, leak := range findLeaks(t, layout, c) {
			t.Errorf("LEAK in the registry cache: %s", leak)
		}
	})
}

// fastHashes are the quick digests of a value a cache must not hold.
func fastHashes(v string) map[string]string {
	s256, s1, m5 := sha256.Sum256([]byte(v)), sha1.Sum([]byte(v)), md5.Sum([]byte(v))
	out := map[string]string{}
	for name, sum := range map[string][]byte{"sha256": s256[:], "sha1": s1[:], "md5": m5[:]} {
		out[name+" hex"] = hex.EncodeToString(sum)
		out[name+" base64"] = strings.TrimRight(base64.StdEncoding.EncodeToString(sum), "=")
	}
	return out
}

// TestSecretRotation: with rotate=true a new secret value rebuilds and the
// same value hits; neither the value nor a fast hash of it is in any cache
// artefact (image names, the salt file, registry tags and blobs).
func TestSecretRotation(t *testing.T) {
	v1, v2 := newCanary(t), newCanary(t)
	addr := startRegistry(t)
	repo := addr + "/team/rotation"
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\nRUN --mount=type=secret,id=s echo RUNNING-final && test -s /run/secrets/s\nLABEL e2e=" + randHex(t, 6) + "\n"})
	build := func(c *canary, flags ...string) cacheRun {
		t.Helper()
		args := append(append([]string{"build"}, storeFlags()...), "--tls-verify=false", "--progress", "json",
			"--secret", "id=s,rotate=true,src="+secretFile(t, "token", c.value))
		id, stderr := mustBuild(t, c, call{args: append(append(args, flags...), ctx)})
		return parseCacheRun(t, id, stderr)
	}
	first := build(v1, "--cache-to", repo)
	if len(first.ran) != 1 {
		t.Fatalf("first build ran %v, want the RUN", first.ran)
	}
	if same := build(v1, "--cache-from", repo); len(same.ran) != 0 || same.hits != 1 {
		t.Errorf("same value: ran %v, %d hits; want a hit", same.ran, same.hits)
	}
	if rotated := build(v2, "--cache-from", repo, "--cache-to", repo); len(rotated.ran) != 1 || rotated.hits != 0 {
		t.Errorf("rotated value with rotate=true: ran %v, %d hits; want a rebuild", rotated.ran, rotated.hits)
	}
	if back := build(v2, "--stage-cache", "--cache-from", repo); len(back.ran) != 0 {
		t.Errorf("the rotated value again: ran %v; want a hit", back.ran)
	}

	var artefacts []string
	artefacts = append(artefacts, imageNames(t, suite.root)...)
	artefacts = append(artefacts, registryTags(t, addr, "team/rotation")...)
	salt, _ := filepath.Glob(filepath.Join(suite.root, "hush-cache-salt"))
	for _, p := range salt {
		b, _ := os.ReadFile(p)
		artefacts = append(artefacts, string(b), hex.EncodeToString(b))
	}
	layout := filepath.Join(tempDir(t), "cache")
	for _, tag := range registryTags(t, addr, "team/rotation") {
		if _, err := skopeo(t, false, "copy", "-q", "--src-tls-verify=false", "docker://"+repo+":"+tag, "oci:"+layout+":"+tag); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []*canary{v1, v2} {
		for name, text := range fastHashes(c.value) {
			c.also(name, text)
		}
		for _, a := range artefacts {
			if form := c.find([]byte(a)); form != "" {
				t.Errorf("a cache name or the salt holds the secret's %s", form)
			}
		}
		for _, leak := range findLeaks(t, layout, c) {
			t.Errorf("LEAK in the registry cache: %s", leak)
		}
	}
}

// TestStageCacheFreshRunner: an empty store (a new CI runner) with
// --cache-from resolves the base the key needs at the registry (its
// manifest, not its layers), then pulls the build from the registry cache,
// running nothing and pulling no base.
func TestStageCacheFreshRunner(t *testing.T) {
	addr := startRegistry(t)
	base := addr + "/base/busybox:1"
	if _, err := skopeo(t, true, "copy", "-q", "--dest-tls-verify=false", storeRef(suite.root, suite.runRoot, "localhost/busybox:latest"), "docker://"+base); err != nil {
		t.Fatal(err)
	}
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM " + base + "\nRUN echo RUNNING-final && echo x > /x\nLABEL e2e=" + randHex(t, 6) + "\n"})
	repo := addr + "/team/fresh"
	run := func(store []string, flags ...string) cacheRun {
		t.Helper()
		args := append(append([]string{"build"}, store...), "--tls-verify=false", "--progress", "json")
		id, stderr := mustBuild(t, nil, call{args: append(append(args, flags...), ctx)})
		return parseCacheRun(t, id, stderr)
	}
	a := run(storeFlags(), "--cache-to", repo)
	if len(a.ran) != 1 {
		t.Fatalf("first build ran %v, want the RUN", a.ran)
	}
	dir := tempDir(t)
	empty := []string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run")}
	b := run(empty, "--cache-from", repo)
	if len(b.ran) != 0 || b.hits != 1 || b.id != a.id {
		t.Errorf("empty store with --cache-from: ran %v, %d hits, image %s; want nothing run, 1 hit, %s", b.ran, b.hits, b.id, a.id)
	}
	for _, n := range imageNames(t, empty[1]) {
		if strings.Contains(n, "base/busybox") {
			t.Errorf("the fresh runner pulled the base (%s) though the build was a cache hit", n)
		}
	}
}
