package tests

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestStageCacheShortName: a short base name (`FROM name:tag`, no
// registry) that storage lacks is resolved as buildah resolves it, through
// registries.conf's unqualified-search registries, so its stages are keyed.
// A fresh runner with --cache-from hits without pulling the base (its id
// comes from the registry's manifest; the cached image holds its layers);
// when a stage must run, the base is pulled for it and buildah finds it.
func TestStageCacheShortName(t *testing.T) {
	addr := startRegistry(t)
	// A repository no store of the suite has under any name buildah's
	// local lookup tries (localhost/NAME, docker.io/library/NAME).
	short := "hushshort" + randHex(t, 4)
	if _, err := skopeo(t, true, "copy", "-q", "--dest-tls-verify=false", storeRef(suite.root, suite.runRoot, "localhost/busybox:latest"), "docker://"+addr+"/"+short+":1"); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(tempDir(t), "registries.conf")
	writeFile(t, conf, fmt.Sprintf("unqualified-search-registries = [%q]\n\n[[registry]]\nlocation = %q\ninsecure = true\n", addr, addr), 0o644)
	env := []string{"CONTAINERS_REGISTRIES_CONF=" + conf}

	ctx := tempDir(t)
	label := "LABEL e2e=" + randHex(t, 6) + "\n"
	stageA := "FROM " + short + ":1 AS a\nRUN echo RUNNING-a && echo a > /a\n"
	final := "FROM " + short + ":1\nCOPY --from=a /a /a\nRUN echo RUNNING-final && cat /a > /x\n"
	writeFiles(t, ctx, map[string]string{"Dockerfile": stageA + final + label})
	repo := addr + "/team/short"
	run := func(store []string, flags ...string) (cacheRun, string) {
		t.Helper()
		args := append(append([]string{"build"}, store...), "--tls-verify=false", "--progress", "json")
		id, stderr := mustBuild(t, nil, call{args: append(append(args, flags...), ctx), env: env})
		return parseCacheRun(t, id, stderr), stderr
	}
	fresh := func() ([]string, string) {
		dir := tempDir(t)
		root := filepath.Join(dir, "root")
		return []string{"--root", root, "--runroot", filepath.Join(dir, "run")}, root
	}
	first, stderr := run(storeFlags(), "--cache-to", "type=registry,ref="+repo+",mode=max")
	if strings.Join(first.ran, ",") != "a,final" {
		t.Fatalf("first build ran %v, want a,final", first.ran)
	}
	if strings.Contains(stderr, "not cached") {
		t.Fatalf("short base name: a stage was not keyed:\n%s", stderr)
	}

	store, root := fresh()
	hit, _ := run(store, "--cache-from", repo)
	if len(hit.ran) != 0 || hit.hits != 1 || hit.id != first.id {
		t.Errorf("empty store with --cache-from: ran %v, %d hits, image %s; want nothing run, 1 hit, %s", hit.ran, hit.hits, hit.id, first.id)
	}
	for _, n := range imageNames(t, root) {
		if strings.Contains(n, short) {
			t.Errorf("the fresh runner pulled the base (%s) though the build was a cache hit", n)
		}
	}

	// The final stage changed: stage a still hits, the final one runs on
	// the base the key named, pulled for it.
	writeFiles(t, ctx, map[string]string{"Dockerfile": stageA + strings.Replace(final, "RUNNING-final", "RUNNING-changed", 1) + label})
	store, root = fresh()
	changed, _ := run(store, "--cache-from", repo)
	if strings.Join(changed.ran, ",") != "changed" || changed.hits != 1 {
		t.Errorf("changed final stage on an empty store: ran %v, %d hits; want changed run, stage a a hit", changed.ran, changed.hits)
	}
	if want := addr + "/" + short + ":1"; !slices.Contains(imageNames(t, root), want) {
		t.Errorf("the stage that ran did not get its base %s pulled by name: store has %v", want, imageNames(t, root))
	}
}

// TestStageCacheRemoteBaseGuard: on a fresh runner's hit the base is not in
// storage, yet the guard tells its layers (by the diff ids of the base's
// config, read from the registry) from the stage's, as it does for a base
// in storage: a secret value only the base holds does not refuse the build,
// one in the reused stage's layer does.
func TestStageCacheRemoteBaseGuard(t *testing.T) {
	inBase, inStage, other := newCanary(t), newCanary(t), newCanary(t)
	addr := startRegistry(t)
	baseCtx := tempDir(t)
	local := "localhost/hush-remote-base-" + randHex(t, 4)
	writeFiles(t, baseCtx, map[string]string{"Dockerfile": "FROM localhost/busybox\nCOPY tok /base-tok\n", "tok": inBase.value})
	mustBuild(t, nil, call{args: build("-t", local, baseCtx)})
	base := addr + "/remote-base:1"
	if _, err := skopeo(t, true, "copy", "-q", "--dest-tls-verify=false", storeRef(suite.root, suite.runRoot, local+":latest"), "docker://"+base); err != nil {
		t.Fatal(err)
	}
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM " + base + "\nCOPY app.txt /app.txt\nRUN echo RUNNING-final\nLABEL e2e=" + randHex(t, 6) + "\n",
		"app.txt": inStage.value})
	repo := addr + "/team/remote-base"
	first := runHush(t, nil, call{args: append(append([]string{"build"}, storeFlags()...), "--tls-verify=false", "--progress", "json",
		"--cache-to", repo, "--secret", "id=s,src="+secretFile(t, "token", other.value), ctx)})
	if first.code != 0 {
		t.Fatalf("first build: exit %d\n%s", first.code, first.stderr)
	}
	fresh := func(c *canary) result {
		t.Helper()
		dir := tempDir(t)
		return runHush(t, nil, call{args: []string{"build", "--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run"),
			"--tls-verify=false", "--progress", "json", "--cache-from", repo, "--secret", "id=s,src=" + secretFile(t, "token", c.value), ctx}})
	}
	if r := fresh(inBase); r.code != 0 || !strings.Contains(r.stderr, "Cache pulled from remote") {
		t.Errorf("a value only the base holds: exit %d, want 0 with the entry pulled (base layers are not this build's work)\n%s", r.code, inBase.mask(r.stderr))
	}
	if r := fresh(inStage); r.code != 3 || !strings.Contains(r.stderr, "Cache pulled from remote") {
		t.Errorf("a value in the reused stage's layer: exit %d, want 3 (the guard scans a pulled entry above its base)\n%s", r.code, inStage.mask(r.stderr))
	}
}
