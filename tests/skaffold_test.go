package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// The real Skaffold (scripts/tools.sh builds it from its module at a
// pinned version; scripts/e2e.sh passes its path as HUSH_SKAFFOLD) runs the
// recipe docs/ci/README.md gives, copied from the markdown at run time:
// a doc that drifts fails here. The one change is the registry's host,
// as every user makes it.

// recipeHost is the registry the documented recipe names.
const recipeHost = "registry.example.com"

var skaffoldCopy struct {
	once sync.Once
	path string
	err  error
}

// skaffoldBin is a copy of the Skaffold binary the mode's user can run.
func skaffoldBin(t *testing.T) string {
	t.Helper()
	src := os.Getenv("HUSH_SKAFFOLD")
	if src == "" {
		t.Fatal("HUSH_SKAFFOLD is not set: run the suite with scripts/e2e.sh (it builds Skaffold with scripts/tools.sh)")
	}
	skaffoldCopy.once.Do(func() {
		skaffoldCopy.path = filepath.Join(suite.dir, "skaffold")
		skaffoldCopy.err = copyFile(src, skaffoldCopy.path, 0o755)
	})
	if skaffoldCopy.err != nil {
		t.Fatalf("copying Skaffold: %v", skaffoldCopy.err)
	}
	return skaffoldCopy.path
}

// docBlock returns the first fenced block of kind lang after heading in
// docs/ci/README.md.
func docBlock(t *testing.T, heading, lang string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(suite.repo, "docs", "ci", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("docs/ci/README.md has no heading %q", heading)
	}
	_, block, ok := strings.Cut(after, "\n```"+lang+"\n")
	if !ok {
		t.Fatalf("docs/ci/README.md: no ```%s block under %q", lang, heading)
	}
	block, _, ok = strings.Cut(block, "\n```\n")
	if !ok {
		t.Fatalf("docs/ci/README.md: the ```%s block under %q does not end", lang, heading)
	}
	return block + "\n"
}

// skaffoldProject is a directory as the recipe asks: skaffold.yaml (the
// documented one, for registry addr), skaffold-build.sh beside it, the
// Dockerfile and the .npmrc the recipe's --secret names. The returned
// environment points hush at the suite's store and marks addr as plain
// HTTP for it (registries.conf: the recipe is unchanged).
func skaffoldProject(t *testing.T, addr, dockerfile string, c *canary) (string, []string) {
	t.Helper()
	yaml := docBlock(t, "## Skaffold (`custom` builder)", "yaml")
	if !strings.Contains(yaml, recipeHost) {
		t.Fatalf("the Skaffold recipe no longer names %s: update this test", recipeHost)
	}
	dir := tempDir(t)
	writeFiles(t, dir, map[string]string{
		"skaffold.yaml": strings.ReplaceAll(yaml, recipeHost, addr),
		"Dockerfile":    dockerfile,
		".npmrc":        "//registry.npmjs.org/:_authToken=" + c.value + "\n",
	})
	if err := os.Chmod(filepath.Join(dir, ".npmrc"), 0o600); err != nil {
		t.Fatal(err)
	}
	script := recipe(t, "skaffold-build.sh")
	if err := os.Rename(script, filepath.Join(dir, "skaffold-build.sh")); err != nil {
		t.Fatal(err)
	}
	// The recipe calls "$HUSH" build ...: this one adds the suite's store.
	wrapper := filepath.Join(tempDir(t), "hush")
	writeFile(t, wrapper, fmt.Sprintf("#!/bin/sh\ncmd=$1; shift\nexec %s \"$cmd\" --root %s --runroot %s \"$@\"\n", suite.hush, suite.root, suite.runRoot), 0o755)
	conf := filepath.Join(tempDir(t), "registries.conf")
	writeFile(t, conf, fmt.Sprintf("[[registry]]\nlocation = %q\ninsecure = true\n", addr), 0o644)
	return dir, []string{"HUSH=" + wrapper, "CONTAINERS_REGISTRIES_CONF=" + conf, "SKAFFOLD_UPDATE_CHECK=false"}
}

// skaffoldBuild runs `skaffold build` in dir and returns its exit code,
// output and what --file-output wrote.
func skaffoldBuild(t *testing.T, c *canary, dir string, env []string, addr, tag string, push bool) (int, string, []skaffoldBuilt) {
	t.Helper()
	out := filepath.Join(tempDir(t), "builds.json")
	args := []string{"build", "--filename", filepath.Join(dir, "skaffold.yaml"), "--tag", tag,
		fmt.Sprintf("--push=%t", push), "--insecure-registry", addr, "--file-output", out,
		"--cache-file", filepath.Join(tempDir(t), "skaffold-cache"), "--interactive=false", "--update-check=false", "--detect-minikube=false"}
	cmd := command(t.Context(), env, skaffoldBin(t), args...)
	cmd.Dir = dir
	b, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		code = -1
		if cmd.ProcessState != nil {
			code = cmd.ProcessState.ExitCode()
		}
	}
	output := string(b)
	if form := c.find(b); form != "" {
		t.Errorf("Skaffold's output shows the secret (%s)", form)
		output = c.mask(output)
	}
	t.Logf("skaffold %s: exit %d\n%s", strings.Join(args, " "), code, output)
	var res struct{ Builds []skaffoldBuilt }
	if data, err := os.ReadFile(out); err == nil {
		if err := json.Unmarshal(data, &res); err != nil {
			t.Fatalf("--file-output: %v: %s", err, data)
		}
	}
	return code, output, res.Builds
}

type skaffoldBuilt struct{ ImageName, Tag string }

const (
	skaffoldClean = "FROM localhost/busybox\nRUN --mount=type=secret,id=npm test -s /run/secrets/npm && echo contract-ok > /contract\n"
	skaffoldLeaky = "FROM localhost/busybox\nRUN --mount=type=secret,id=npm cp /run/secrets/npm /npmrc && echo contract-ok > /contract\n"
)

var digestRef = regexp.MustCompile(`^(.+):([^:@/]+)@(sha256:[0-9a-f]{64})$`)

// TestSkaffoldRecipePush: skaffold build --push runs the recipe; the image
// is in the registry under the digest Skaffold records in --file-output,
// and hush pushed the cache after its guard passed the build.
func TestSkaffoldRecipePush(t *testing.T) {
	c := newCanary(t)
	addr := startRegistry(t)
	dir, env := skaffoldProject(t, addr, skaffoldClean, c)
	tag := "e2e-" + randHex(t, 4)
	code, out, builds := skaffoldBuild(t, c, dir, env, addr, tag, true)
	if code != 0 {
		t.Fatalf("skaffold build --push: exit %d\n%s", code, out)
	}
	if len(builds) != 1 {
		t.Fatalf("--file-output: %d builds, want 1: %v", len(builds), builds)
	}
	m := digestRef.FindStringSubmatch(builds[0].Tag)
	if m == nil || m[1] != addr+"/team/app" || m[2] != tag {
		t.Fatalf("--file-output tag %q, want %s/team/app:%s@sha256:...", builds[0].Tag, addr, tag)
	}
	got, err := skopeo(t, false, "inspect", "--tls-verify=false", "--format", "{{.Digest}}", "docker://"+addr+"/team/app:"+tag)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(got) != m[3] {
		t.Errorf("the registry has %s/team/app:%s at %s, Skaffold recorded %s", addr, tag, strings.TrimSpace(got), m[3])
	}
	if tags := registryTags(t, addr, "team/app-cache"); len(tags) == 0 {
		t.Errorf("the recipe's --cache-to pushed nothing to team/app-cache\n%s", out)
	}
	for _, leak := range registryLeaks(t, addr, "team/app", c) {
		t.Errorf("LEAK in the pushed image: %s", leak)
	}
}

// TestSkaffoldRecipeLoad: skaffold build --push=false; Skaffold reads the
// image hush loaded into the Docker daemon.
func TestSkaffoldRecipeLoad(t *testing.T) {
	dockerAnswers(t)
	c := newCanary(t)
	addr := startRegistry(t)
	dir, env := skaffoldProject(t, addr, skaffoldClean, c)
	tag := "e2e-" + randHex(t, 4)
	code, out, builds := skaffoldBuild(t, c, dir, env, addr, tag, false)
	if code != 0 {
		t.Fatalf("skaffold build --push=false: exit %d\n%s", code, out)
	}
	ref := addr + "/team/app:" + tag
	code, id := runAsUser(t, nil, "docker", "image", "inspect", "--format", "{{.Id}}", ref)
	if code != 0 {
		t.Fatalf("docker image inspect %s: %s", ref, id)
	}
	id = strings.TrimSpace(id)
	// Skaffold tags the loaded image by its id and records that tag.
	unique := addr + "/team/app:" + strings.TrimPrefix(id, "sha256:")
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", unique).Run() })
	if len(builds) != 1 || builds[0].Tag != unique {
		t.Errorf("--file-output: %v, want one build tagged %s", builds, unique)
	}
	assertInDaemon(t, ref, id)
}

// TestSkaffoldRecipeLeak: the recipe with a Dockerfile that copies the
// secret into the image: Skaffold fails with hush's refusal, and nothing
// reaches the registry (image or cache) or the Docker daemon.
func TestSkaffoldRecipeLeak(t *testing.T) {
	c := newCanary(t)
	addr := startRegistry(t)
	dir, env := skaffoldProject(t, addr, skaffoldLeaky, c)
	for _, push := range []bool{true, false} {
		t.Run(fmt.Sprintf("push=%t", push), func(t *testing.T) {
			if !push {
				dockerAnswers(t)
			}
			tag := "e2e-" + randHex(t, 4)
			code, out, builds := skaffoldBuild(t, c, dir, env, addr, tag, push)
			if code == 0 {
				t.Fatalf("skaffold build --push=%t of a leaky Dockerfile: exit 0\n%s", push, out)
			}
			if !strings.Contains(out, "guard refused") {
				t.Errorf("Skaffold's output lacks hush's refusal:\n%s", out)
			}
			if len(builds) != 0 {
				t.Errorf("--file-output records %v", builds)
			}
			for _, repo := range []string{"team/app", "team/app-cache"} {
				if tags := registryTags(t, addr, repo); len(tags) != 0 {
					t.Errorf("a refused build pushed %s:%v", repo, tags)
				}
			}
			if code, _ := runAsUser(t, nil, "docker", "image", "inspect", addr+"/team/app:"+tag); !push && code == 0 {
				t.Errorf("a refused build loaded %s/team/app:%s into the daemon", addr, tag)
			}
		})
	}
}
