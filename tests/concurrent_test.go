package tests

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestConcurrentBuildsInOneProcess: four builder.Build calls at once in one
// process (tests/cmd/concurrent, built here and run as the mode's user),
// each with its own canary secret, each printing its canary in a step. All
// finish; each output has its own step's lines, its canary redacted, and
// nothing of another build's; each image is clean of every canary.
func TestConcurrentBuildsInOneProcess(t *testing.T) {
	const n = 4
	// scripts/e2e.sh builds the program once per run (a run without it
	// builds it here); the mode's user runs a copy under the suite's
	// directory, as it does hush.
	bin := filepath.Join(suite.dir, "concurrent")
	if _, err := os.Stat(bin); err != nil {
		src := filepath.Join(suite.repo, "bin", "e2e-concurrent")
		if _, err := os.Stat(src); err != nil {
			src = bin + ".new"
			gobuild := exec.Command("go", "build", "-mod=vendor",
				"-tags", "containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper",
				"-o", src, "./tests/cmd/concurrent")
			gobuild.Dir, gobuild.Env = suite.repo, append(os.Environ(), "CGO_ENABLED=1")
			if out, err := gobuild.CombinedOutput(); err != nil {
				t.Fatalf("building tests/cmd/concurrent: %v\n%s", err, out)
			}
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bin, b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := tempDir(t)
	prefix := "e2e-concurrent-" + randHex(t, 4)
	canaries := make([]*canary, n)
	for i := range canaries {
		canaries[i] = newCanary(t)
		d := filepath.Join(dir, strconv.Itoa(i))
		// Each step prints its canary (redacted, it must read ****), a
		// line of its own, and sleeps so that the builds overlap.
		writeFiles(t, d, map[string]string{
			"Dockerfile": fmt.Sprintf("FROM localhost/busybox\n"+
				"RUN --mount=type=secret,id=s sh -c 'echo \"canary $(cat /run/secrets/s) end\"; echo \"own line %d: $((40+2))\"; sleep 2; cp /run/secrets/s /tmp/x && rm /tmp/x'\n", i),
			".dockerignore": "secret\n",
		})
		writeFile(t, filepath.Join(d, "secret"), canaries[i].value, 0o600)
		writeFile(t, filepath.Join(d, "out.log"), "", 0o644)
		writeFile(t, filepath.Join(d, "result"), "", 0o644)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := command(ctx, nil, bin, "-root", suite.root, "-runroot", suite.runRoot, "-prefix", prefix, "-n", strconv.Itoa(n), dir)
	cmd.Dir = suite.dir
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("%d builds in one process: %v in %s", n, err, time.Since(start).Round(time.Millisecond))
	all := &canary{forms: map[string]string{}}
	for i, c := range canaries {
		for name, text := range c.forms {
			all.forms[fmt.Sprintf("build %d's %s", i, name)] = text
		}
	}
	if form := all.find(out); form != "" {
		t.Errorf("the program's own output shows %s", form)
	}
	for i := range canaries {
		d := filepath.Join(dir, strconv.Itoa(i))
		res, _ := os.ReadFile(filepath.Join(d, "result"))
		log, _ := os.ReadFile(filepath.Join(d, "out.log"))
		shown := all.mask(string(log))
		if !strings.HasPrefix(string(res), "sha256:") {
			t.Errorf("build %d: %s\n%s", i, all.mask(strings.TrimSpace(string(res))), shown)
			continue
		}
		if form := all.find(log); form != "" {
			t.Errorf("build %d's output shows %s:\n%s", i, form, shown)
		}
		if !strings.Contains(string(log), "canary **** end") {
			t.Errorf("build %d's output lacks its step's redacted line \"canary **** end\":\n%s", i, shown)
		}
		for j := range canaries {
			own := strings.Contains(string(log), fmt.Sprintf("own line %d: 42", j))
			if own != (i == j) {
				t.Errorf("build %d's output has step %d's line: %v, want %v:\n%s", i, j, own, i == j, shown)
			}
		}
		checkImage(t, all, fmt.Sprintf("localhost/%s-%d:latest", prefix, i), strings.TrimSpace(string(res)))
	}
	if err != nil {
		t.Errorf("the program failed: %v\n%s", err, all.mask(string(out)))
	}
	if left := containersLeft(t, suite.root, suite.runRoot); len(left) > 0 {
		t.Errorf("containers left in the store: %v", left)
	}
	for _, c := range canaries {
		assertNoResidue(t, c, start)
	}
}
