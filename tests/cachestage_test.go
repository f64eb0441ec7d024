package tests

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
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
