package tests

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// contractDockerfile is what the CI tools' contracts build: a file to read
// back from a running container.
const contractDockerfile = "FROM localhost/busybox\nRUN echo contract-ok > /contract\n"

// recipe copies docs/ci/NAME into the test's directory (readable by the
// mode's user) and returns its path: the tests run the documented script.
func recipe(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join(suite.repo, "docs", "ci", name)
	dst := filepath.Join(tempDir(t), name)
	if err := copyFile(src, dst, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dst, suite.uid, suite.gid); err != nil {
		t.Fatal(err)
	}
	return dst
}

// storeFlags point hush at the suite's store.
func storeFlags() []string { return []string{"--root", suite.root, "--runroot", suite.runRoot} }

// runAsUser runs name args as the mode's user and returns its exit code and
// combined output.
func runAsUser(t *testing.T, env []string, name string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := command(ctx, env, name, args...)
	cmd.Dir = suite.dir
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return 0, string(out)
}

// TestSkaffoldPush: Skaffold's custom builder with PUSH_IMAGE=true; Skaffold
// then resolves $IMAGE in the registry, which must hold the image hush
// built, under the digest hush reported in --metadata-file.
func TestSkaffoldPush(t *testing.T) {
	addr := startRegistry(t)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": contractDockerfile})
	dir := tempDir(t)
	meta, iid := filepath.Join(dir, "metadata.json"), filepath.Join(dir, "iid")
	image := addr + "/team/app:" + randHex(t, 4)
	env := []string{"IMAGE=" + image, "PUSH_IMAGE=true", "BUILD_CONTEXT=" + ctx,
		"PLATFORMS=linux/" + runtime.GOARCH, "HUSH=" + suite.hush}
	args := append([]string{recipe(t, "skaffold-build.sh")}, storeFlags()...)
	args = append(args, "--tls-verify=false", "--metadata-file", meta, "--iidfile", iid)
	if code, out := runAsUser(t, env, "sh", args...); code != 0 {
		t.Fatalf("skaffold-build.sh: exit %d\n%s", code, out)
	}
	var md map[string]any
	b, err := os.ReadFile(meta)
	if err == nil {
		err = json.Unmarshal(b, &md)
	}
	if err != nil {
		t.Fatalf("--metadata-file: %v", err)
	}
	// What Skaffold reads: the tag's manifest digest in the registry.
	out, err := skopeo(t, false, "inspect", "--tls-verify=false", "--format", "{{.Digest}}", "docker://"+image)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(out), md["containerimage.digest"]; got != want {
		t.Errorf("the registry has %s at %s, --metadata-file says containerimage.digest %v", image, got, want)
	}
	cfg, err := skopeo(t, false, "inspect", "--tls-verify=false", "--raw", "docker://"+image)
	if err != nil {
		t.Fatal(err)
	}
	var m manifestDoc
	if err := json.Unmarshal([]byte(cfg), &m); err == nil && len(m.Manifests) > 0 {
		// An index: the image, then its attestations (docs/attestations.md).
		ref := image[:strings.LastIndex(image, ":")] + "@" + m.Manifests[0].Digest
		if cfg, err = skopeo(t, false, "inspect", "--tls-verify=false", "--raw", "docker://"+ref); err != nil {
			t.Fatal(err)
		}
		m = manifestDoc{}
	}
	idb, _ := os.ReadFile(iid)
	if err := json.Unmarshal([]byte(cfg), &m); err != nil || m.Config.Digest != string(idb) || md["containerimage.config.digest"] != string(idb) {
		t.Errorf("registry config %s (%v), --iidfile %q, metadata %v: want one image", m.Config.Digest, err, idb, md["containerimage.config.digest"])
	}
}

// dockerAnswers skips the test, in one line, where no Docker daemon answers
// the mode's user.
func dockerAnswers(t *testing.T) {
	t.Helper()
	if code, out := runAsUser(t, nil, "docker", "info", "--format", "{{.ServerVersion}}"); code != 0 {
		t.Skipf("no Docker daemon answers %s: %s", mode(), firstLine(out))
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}

// assertInDaemon checks what Skaffold (PUSH_IMAGE=false) and Tilt read:
// the image under ref in the Docker daemon, with hush's image id, and that
// it runs.
func assertInDaemon(t *testing.T, ref, id string) {
	t.Helper()
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", ref).Run() })
	code, out := runAsUser(t, nil, "docker", "image", "inspect", "--format", "{{.Id}}", ref)
	if code != 0 {
		t.Fatalf("docker image inspect %s: %s", ref, out)
	}
	if got := strings.TrimSpace(out); got != id {
		t.Errorf("the daemon's %s is %s, want hush's image %s", ref, got, id)
	}
	code, out = runAsUser(t, nil, "docker", "run", "--rm", "--network", "none", ref, "cat", "/contract")
	if code != 0 || strings.TrimSpace(out) != "contract-ok" {
		t.Errorf("docker run %s: exit %d, %q; want contract-ok", ref, code, out)
	}
}

// TestSkaffoldLoad: PUSH_IMAGE=false; Skaffold reads the image from the
// local Docker daemon.
func TestSkaffoldLoad(t *testing.T) {
	dockerAnswers(t)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": contractDockerfile})
	iid := filepath.Join(tempDir(t), "iid")
	image := "registry.example.com/hush-e2e/skaffold:" + randHex(t, 4)
	env := []string{"IMAGE=" + image, "PUSH_IMAGE=false", "BUILD_CONTEXT=" + ctx, "HUSH=" + suite.hush}
	args := append([]string{recipe(t, "skaffold-build.sh")}, storeFlags()...)
	if code, out := runAsUser(t, env, "sh", append(args, "--iidfile", iid)...); code != 0 {
		t.Fatalf("skaffold-build.sh: exit %d\n%s", code, out)
	}
	id, _ := os.ReadFile(iid)
	assertInDaemon(t, image, string(id))
}

// TestTiltCustomBuild: Tilt's custom_build runs its command with
// $EXPECTED_REF (a short name:tag) and looks for that ref in the daemon.
func TestTiltCustomBuild(t *testing.T) {
	dockerAnswers(t)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": contractDockerfile})
	ref := "hush-e2e-tilt:tilt-" + randHex(t, 8)
	// docs/ci/README.md's custom_build command, with the suite's store.
	script := `"$HUSH" build -q -t "$EXPECTED_REF" --load ` + strings.Join(storeFlags(), " ") + ` "$CTX"`
	code, out := runAsUser(t, []string{"EXPECTED_REF=" + ref, "HUSH=" + suite.hush, "CTX=" + ctx}, "sh", "-c", script)
	if code != 0 {
		t.Fatalf("custom_build command: exit %d\n%s", code, out)
	}
	assertInDaemon(t, ref, strings.TrimSpace(out))
}

// TestLoadNoDaemon: --load where no daemon answers fails the build, naming
// --load, and tags nothing.
func TestLoadNoDaemon(t *testing.T) {
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": contractDockerfile})
	tag := tagFor(t, "")
	r := runHush(t, nil, call{args: build("-t", tag, "--load", ctx),
		env: []string{"DOCKER_HOST=unix://" + filepath.Join(ctx, "no-docker.sock")}})
	if r.code != 1 || !strings.Contains(r.stderr, "--load") {
		t.Errorf("exit %d, stderr %q; want 1 and an error naming --load", r.code, r.stderr)
	}
	assertClean(t, tag)
}
