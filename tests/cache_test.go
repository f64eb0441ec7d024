package tests

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cacheDockerfile has two independent stages and a final one that copies
// from both and uses a secret. Each RUN says when it really runs.
const cacheDockerfile = `FROM localhost/busybox AS deps
COPY deps.txt /deps.txt
RUN echo RUNNING-deps && cat /deps.txt > /deps.out
FROM localhost/busybox AS app
COPY app.txt /app.txt
RUN echo RUNNING-app && cat /app.txt > /app.out
FROM localhost/busybox
COPY --from=deps /deps.out /deps.out
COPY --from=app /app.out /app.out
RUN --mount=type=secret,id=s echo RUNNING-final && test -s /run/secrets/s && echo final > /final
`

// cacheSteps is the number of steps (not FROM) in cacheDockerfile.
const cacheSteps = 7

// freshStore is an empty store, as on a new CI runner, holding only the
// suite's base image (copied by skopeo, so it is the same image).
func freshStore(t *testing.T) []string {
	t.Helper()
	dir := tempDir(t)
	root, runRoot := filepath.Join(dir, "root"), filepath.Join(dir, "run")
	src := storeRef(suite.root, suite.runRoot, "localhost/busybox:latest")
	driver := strings.TrimPrefix(strings.SplitN(src, "@", 2)[0], "containers-storage:[")
	dst := "containers-storage:[" + driver + "@" + root + "+" + runRoot + "]localhost/busybox:latest"
	if _, err := skopeo(t, true, "copy", "-q", src, dst); err != nil {
		t.Fatal(err)
	}
	return []string{"--root", root, "--runroot", runRoot}
}

// cacheRun is what one build's JSON progress shows.
type cacheRun struct {
	id   string
	ran  []string // RUNNING-<stage> markers: steps that ran
	hits int      // "--> Using cache" lines
}

func cacheBuild(t *testing.T, c *canary, store []string, ctx string, flags ...string) cacheRun {
	t.Helper()
	args := append(append([]string{"build"}, store...), "--layers", "--tls-verify=false", "--progress", "json",
		"--secret", "id=s,src="+secretFile(t, "token", c.value))
	args = append(append(args, flags...), ctx)
	id, stderr := mustBuild(t, c, call{args: args})
	return parseCacheRun(t, id, stderr)
}

// parseCacheRun reads a build's JSON progress.
func parseCacheRun(t *testing.T, id, stderr string) cacheRun {
	t.Helper()
	r := cacheRun{id: id}
	sc := bufio.NewScanner(strings.NewReader(stderr))
	for sc.Scan() {
		var ev struct{ Type, Message string }
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("--progress json: not a JSON line: %q", sc.Text())
		}
		switch {
		case strings.HasPrefix(ev.Message, "RUNNING-"):
			r.ran = append(r.ran, strings.TrimPrefix(ev.Message, "RUNNING-"))
		case strings.HasPrefix(ev.Message, "--> Using cache"):
			r.hits++
		}
	}
	return r
}

// TestRegistryCache: build A exports its cache; a fresh store with
// --cache-from hits and makes the same image; a changed COPY
// source reruns only what depends on it; no cache blob holds the secret.
func TestRegistryCache(t *testing.T) {
	c := newCanary(t)
	addr := startRegistry(t)
	repo := addr + "/team/app-cache"
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": cacheDockerfile, "deps.txt": "deps v1\n", "app.txt": "app v1\n"})

	a := cacheBuild(t, c, storeFlags(), ctx, "--cache-to", "type=registry,ref="+repo+":buildcache,mode=max")
	if strings.Join(a.ran, ",") != "deps,app,final" {
		t.Fatalf("build A ran %v, want every RUN (deps, app, final)", a.ran)
	}

	b := cacheBuild(t, c, freshStore(t), ctx, "--cache-from", "type=registry,ref="+repo)
	// One hit: the whole build's entry (tests/layersfront_test.go).
	if len(b.ran) != 0 || b.hits != 1 {
		t.Errorf("fresh store with --cache-from: ran %v, %d cache hits; want nothing run and 1 hit", b.ran, b.hits)
	}
	if b.id != a.id {
		t.Errorf("fresh store with --cache-from made %s, build A made %s; want the same image", b.id, a.id)
	}

	writeFiles(t, ctx, map[string]string{"app.txt": "app v2\n"})
	changed := cacheBuild(t, c, freshStore(t), ctx, "--cache-from", repo) // buildah's bare REF
	if strings.Join(changed.ran, ",") != "app,final" {
		t.Errorf("app.txt changed: ran %v, want app and final only (deps from the cache)", changed.ran)
	}

	t.Run("no secret in the cache", func(t *testing.T) {
		tags := registryTags(t, addr, "team/app-cache")
		if len(tags) < cacheSteps {
			t.Fatalf("the cache holds %d entries, want at least %d (mode=max): %v", len(tags), cacheSteps, tags)
		}
		for _, leak := range registryLeaks(t, addr, "team/app-cache", c) {
			t.Errorf("LEAK in the registry cache: %s", leak)
		}
	})
}

// TestRegistryCacheAfterGuard: a build the guard refuses exports no cache
// entry, although buildah keyed every step of it.
func TestRegistryCacheAfterGuard(t *testing.T) {
	c := newCanary(t)
	addr := startRegistry(t)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\nRUN echo clean > /clean\nRUN --mount=type=secret,id=s cp /run/secrets/s /leak\n"})
	r := runHush(t, c, call{args: build("--layers", "--tls-verify=false", "--cache-to", addr+"/leaky",
		"--secret", "id=s,src="+secretFile(t, "token", c.value), ctx)})
	if r.code != 3 {
		t.Fatalf("exit %d, want 3 (guard)\n%s", r.code, c.mask(r.stderr))
	}
	if tags := registryTags(t, addr, "leaky"); len(tags) != 0 {
		t.Errorf("a refused build exported cache entries %v", tags)
	}
}

// registryTags lists a repository's tags; none if it does not exist.
// registryLeaks copies every tag of addr/repo into an OCI layout with
// skopeo (an independent reader) and returns where c's value shows in it.
func registryLeaks(t *testing.T, addr, repo string, c *canary) []string {
	t.Helper()
	layout := filepath.Join(tempDir(t), "registry")
	for _, tag := range registryTags(t, addr, repo) {
		if _, err := skopeo(t, false, "copy", "-q", "--src-tls-verify=false", "docker://"+addr+"/"+repo+":"+tag, "oci:"+layout+":"+tag); err != nil {
			t.Fatal(err)
		}
	}
	return findLeaks(t, layout, c)
}

func registryTags(t *testing.T, addr, repo string) []string {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get("http://" + addr + "/v2/" + repo + "/tags/list")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	b, _ := io.ReadAll(resp.Body)
	var list struct{ Tags []string }
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatalf("tags of %s: %v: %s", repo, err, b)
	}
	return list.Tags
}
