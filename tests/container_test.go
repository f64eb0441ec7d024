package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The issue-8 set-ups: hush's own image (make image) run by the Docker
// engine the way CI runners run it. docs/ci/ recipes use exactly these
// settings; keep the two in step.
type dockerSetup struct {
	name   string
	flags  []string // docker run flags besides --network host
	volume bool     // a named volume at /hush/storage
	fail   bool     // no mode can work: one line, exit 2
	mode   string   // the isolation hush must report (its stderr line), "" for the strongest
	// owners: also build restricted_test.go's ownership Dockerfile and
	// compare every path with root's build (restricted isolation).
	owners bool
}

var dockerSetups = []dockerSetup{
	{name: "a-root-defaults", mode: "container"},
	{name: "b-root-unconfined", flags: []string{"--security-opt", "seccomp=unconfined"}, mode: "chroot"},
	{name: "c-user-unconfined", flags: []string{"--user", "1000", "--security-opt", "seccomp=unconfined"}, mode: "chroot"},
	{name: "d-root-sysadmin-volume", flags: []string{"--cap-add", "SYS_ADMIN"}, volume: true, mode: "chroot"},
	// Issue 22: a Kubernetes Restricted pod's settings, and OpenShift's.
	{name: "e-user-defaults", flags: []string{"--user", "1000:1000"}, mode: "restricted", owners: true},
	{name: "f-openshift-restricted", flags: []string{"--user", "1000740000:0", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"}, mode: "restricted", owners: true},
}

// hushImage is the image under test, by id (other checkouts on the machine
// load their own localhost/hush:dev); make image writes it.
var hushImage = "localhost/hush:dev"

var loadOnce struct {
	sync.Once
	err error
}

// needDocker skips (one line) where the suite cannot run containers, and
// loads bin/hush-image.tar once.
func needDocker(t *testing.T) {
	t.Helper()
	if suite.user != "" {
		t.Skip("container set-ups run once, in the root pass (docker is root's)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := exec.CommandContext(ctx, "docker", "version", "--format", "{{.Server.Version}}").Run(); err != nil {
		t.Skip("no Docker daemon answers: container set-ups skipped")
	}
	tar := filepath.Join(suite.repo, "bin", "hush-image.tar")
	if _, err := os.Stat(tar); err != nil {
		t.Skipf("%s is missing: run make image", tar)
	}
	loadOnce.Do(func() {
		out, err := exec.Command("docker", "load", "-i", tar).CombinedOutput()
		if err != nil {
			loadOnce.err = fmt.Errorf("docker load: %v: %s", err, out)
			return
		}
		if id, err := archiveImageID(tar); err == nil {
			hushImage = id
		}
	})
	if loadOnce.err != nil {
		t.Fatal(loadOnce.err)
	}
}

func docker(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return out.String() + errb.String(), fmt.Errorf("docker %s: %v: %s", args[0], err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// The build every working set-up runs: two stages; a RUN --mount secret
// (echoed, for the redactor), a --secret target= file, a RUN --mount env=
// secret whose source is an environment variable, and a step with no mount
// that looks for the canary in every process's environment (the job's
// shell, the container's first process, holds it as HUSH_TOKEN).
const cleanDockerfile = `FROM {{REG}}/busybox:latest AS deps
RUN --mount=type=secret,id=tok cat /run/secrets/tok && test -s /run/secrets/tok && echo mount-ok > /deps.txt
RUN grep -q index-url /root/.pip/pip.conf && echo target-ok >> /deps.txt
RUN --mount=type=secret,id=envtok,env=API_TOKEN sh -c 'test -n "$API_TOKEN" && echo env-ok >> /deps.txt'
RUN sh -c 'found=$(grep -lsF hushcanary- /proc/[0-9]*/environ); if [ -z "$found" ]; then echo environ-ok >> /deps.txt; else echo "a step read the environment of: $found"; fi'
FROM {{REG}}/busybox:latest
COPY --from=deps /deps.txt /deps.txt
RUN cat /deps.txt
`

const leakyDockerfile = `FROM {{REG}}/busybox:latest
RUN --mount=type=secret,id=tok cp /run/secrets/tok /leaked
`

func TestContainerSetups(t *testing.T) {
	needDocker(t)
	reg := startRegistry(t)
	// The base comes from the local registry, as a CI job's would.
	if _, err := skopeo(t, true, "copy", "-q", "--dest-tls-verify=false",
		storeRef(suite.root, suite.runRoot, "localhost/busybox:latest"), "docker://"+reg+"/busybox:latest"); err != nil {
		t.Fatalf("pushing the base: %v", err)
	}
	for _, s := range dockerSetups {
		t.Run(s.name, func(t *testing.T) { runSetup(t, s, reg) })
	}
}

func runSetup(t *testing.T, s dockerSetup, reg string) {
	c := newCanary(t)
	ctx := tempDir(t)
	pipConf := "[global]\nindex-url = https://u:" + c.value + "@pypi.example/simple\n"
	writeFiles(t, ctx, map[string]string{
		"Dockerfile":       strings.ReplaceAll(cleanDockerfile, "{{REG}}", reg),
		"Dockerfile.leaky": strings.ReplaceAll(leakyDockerfile, "{{REG}}", reg),
		"secrets/tok":      c.value,
		"secrets/pip.conf": pipConf,
	})
	// uid 1000 in the container reads the context (and the secret files,
	// as a CI checkout would be readable).
	for _, d := range []string{filepath.Join(ctx, "secrets"), ctx, filepath.Dir(ctx)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if s.name == "c-user-unconfined" {
		// The checkout belongs to the job's user and group (1000:0 with
		// --user 1000), as a runner's clone does. A context whose owner
		// the one-id user namespace can map but whose group it cannot, or
		// the reverse, trips buildah's overlay over the context (README,
		// "Building in a container").
		if err := filepath.Walk(ctx, func(p string, _ os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, 1000, 0)
		}); err != nil {
			t.Fatal(err)
		}
	}
	name := "hush-e2e-" + s.name + "-" + randHex(t, 4)
	tag := reg + "/app-" + s.name
	// One container runs both builds, so its disk afterwards is what hush
	// left behind; --secret flags as in docs/ci/.
	secretsFlags := "--secret id=tok,src=/ctx/secrets/tok " +
		"--secret id=pip,src=/ctx/secrets/pip.conf,target=/root/.pip/pip.conf " +
		"--secret id=envtok,env=HUSH_TOKEN"
	script := fmt.Sprintf(`cd /ctx
hush build --tls-verify=false %[1]s -t %[2]s:clean --push .; echo "exit-clean=$?"
hush build --tls-verify=false %[1]s -f Dockerfile.leaky -t %[2]s:leaky --push .; echo "exit-leaky=$?"
`, secretsFlags, tag)
	args := []string{"run", "--name", name, "--network", "host", "-e", "HUSH_TOKEN",
		"-v", ctx + ":/ctx:ro", "--entrypoint", "/hush/bin/sh"}
	args = append(args, s.flags...)
	if s.volume {
		vol := name + "-storage"
		args = append(args, "-v", vol+":/hush/storage")
		t.Cleanup(func() { _, _ = docker(t, "volume", "rm", "-f", vol) })
	}
	t.Cleanup(func() { _, _ = docker(t, "rm", "-f", "-v", name) })
	assertDoctorAgrees(t, s)
	if s.fail {
		args = append(args, hushImage, "-c", "hush build --tls-verify=false "+secretsFlags+" /ctx")
	} else {
		args = append(args, hushImage, "-c", script)
	}
	cmd := exec.Command("docker", args...)
	cmd.Env = append(os.Environ(), "HUSH_TOKEN="+c.value)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	logs := stdout.String() + stderr.String()
	t.Logf("docker run %s: %v in %s", strings.Join(s.flags, " "), err, time.Since(start).Round(time.Millisecond))
	if form := c.find([]byte(logs)); form != "" {
		t.Errorf("hush's output in the container shows the secret (%s)", form)
	}
	if s.fail {
		assertOneLineRefusal(t, err, stderr.String())
		return
	}
	if !strings.Contains(logs, "exit-clean=0") {
		t.Fatalf("clean build in %s did not succeed:\n%s", s.name, c.mask(logs))
	}
	if want := "hush: isolation " + s.mode + ":"; s.mode != "" && !strings.Contains(logs, want) {
		t.Errorf("hush did not report %q:\n%s", want, c.mask(logs))
	}
	if !strings.Contains(logs, "****") {
		t.Errorf("the echoed secret was not redacted to ****:\n%s", c.mask(logs))
	}
	if !strings.Contains(logs, "exit-leaky=3") {
		t.Errorf("leaky build: want exit 3 (guard):\n%s", c.mask(logs))
	}
	// Read back by an independent reader: no canary in any blob, config or
	// history; the steps saw every secret.
	dest := filepath.Join(tempDir(t), "oci")
	if _, err := skopeo(t, false, "copy", "-q", "--src-tls-verify=false", "docker://"+tag+":clean", "oci:"+dest+":x"); err != nil {
		t.Fatalf("reading the pushed image back: %v", err)
	}
	img := walkLayout(t, dest, "x", c)
	if got := img.file(t, "/deps.txt"); got != "mount-ok\ntarget-ok\nenv-ok\nenviron-ok\n" {
		t.Errorf("/deps.txt = %q: a step did not see its secret, or saw the job's environment", got)
	}
	if _, err := skopeo(t, false, "inspect", "--tls-verify=false", "docker://"+tag+":leaky"); err == nil {
		t.Errorf("the refused image %s:leaky reached the registry", tag)
	}
	assertExportClean(t, c, name)
	if s.owners {
		assertOwnershipLikeRoot(t, s, reg)
		assertDebianLikeRoot(t, s, reg)
	}
}

// archiveImageID is the id of the image in a docker archive (its config's
// digest), which no other checkout's docker load can retag.
func archiveImageID(path string) (string, error) {
	out, err := exec.Command("tar", "-xOf", path, "manifest.json").Output()
	if err != nil {
		return "", err
	}
	var m []struct{ Config string }
	if err := json.Unmarshal(out, &m); err != nil || len(m) != 1 {
		return "", fmt.Errorf("manifest.json: %v", err)
	}
	id := strings.TrimSuffix(filepath.Base(m[0].Config), ".json")
	return "sha256:" + strings.TrimPrefix(id, "sha256:"), nil
}

// assertExportClean scans `docker export` of the build container: what
// hush left on the container's disk must not hold the secret.
func assertExportClean(t *testing.T, c *canary, name string) {
	t.Helper()
	f := filepath.Join(tempDir(t), "export.tar")
	if out, err := docker(t, "export", "-o", f, name); err != nil {
		t.Fatalf("docker export: %v %s", err, out)
	}
	defer os.Remove(f)
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range scanBlob(t, c, "docker export "+name, data) {
		t.Errorf("LEAK on the build container's disk: %s", leak)
	}
}

// assertOneLineRefusal: where nothing can work, hush says what to change
// in one line and exits 2.
func assertOneLineRefusal(t *testing.T, err error, stderr string) {
	t.Helper()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 2 {
		t.Errorf("want exit 2, got %v; stderr:\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "hush: ") || !strings.Contains(lines[0], "user namespace") {
		t.Errorf("want one line naming what to change, got:\n%s", stderr)
	}
}

// assertDoctorAgrees runs hush doctor with the set-up's docker flags: it
// must pass (and name the mode the build then reports) where the build
// works, and fail where it cannot: never ok where a build fails.
func assertDoctorAgrees(t *testing.T, s dockerSetup) {
	t.Helper()
	args := []string{"run", "--rm", "--network", "host"}
	args = append(args, s.flags...)
	args = append(args, hushImage, "doctor")
	out, err := docker(t, args...)
	switch {
	case s.fail && err == nil:
		t.Errorf("hush doctor passed where no build can work:\n%s", out)
	case !s.fail && err != nil:
		t.Errorf("hush doctor failed where the build works: %v\n%s", err, out)
	case !s.fail && !strings.Contains(out, "auto picks "+s.mode+":"):
		t.Errorf("hush doctor does not name mode %s:\n%s", s.mode, out)
	case !s.fail && !strings.Contains(out, "ok    no-op step"):
		t.Errorf("hush doctor did not run its no-op step:\n%s", out)
	}
}
