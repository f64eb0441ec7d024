package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Container isolation rewrites the container's /. These checks are what
// TestContainerSetups (a) does not cover: a step running as another user
// reads the secret made for it; a step's background processes die with it;
// a SIGKILLed build leaves a half-built / (with a step's copy of the
// secret), its step processes and tmpfs files, and the next `hush prune`
// in that container removes all of it, so `docker export` is clean and the
// next build works.
func TestContainerIsolationKillThenPrune(t *testing.T) {
	needDocker(t)
	reg := startRegistry(t)
	if _, err := skopeo(t, true, "copy", "-q", "--dest-tls-verify=false",
		storeRef(suite.root, suite.runRoot, "localhost/busybox:latest"), "docker://"+reg+"/busybox:latest"); err != nil {
		t.Fatalf("pushing the base: %v", err)
	}
	c := newCanary(t)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{
		"tok": c.value,
		// Killed mid-step: the step copied the secret onto /, left a
		// background process in its group, another in a session of its own.
		"Dockerfile.kill": fmt.Sprintf(`FROM %s/busybox:latest
RUN --mount=type=secret,id=tok,target=/etc/app.tok cp /etc/app.tok /leak && (sleep 1001 &) && touch /started && sleep 1002
`, reg),
		// Runs after the prune, in the same container.
		"Dockerfile": fmt.Sprintf(`FROM %[1]s/busybox:latest AS build
RUN echo 'app:x:1000:1000::/home/app:/bin/sh' >> /etc/passwd && mkdir -p /home/app && chown 1000:1000 /home/app
USER app
WORKDIR /home/app
RUN --mount=type=secret,id=tok,uid=1000 wc -c < /run/secrets/tok > n && (setsid sleep 1003 &) && id -u > uid
FROM %[1]s/busybox:latest
COPY --from=build /home/app/n /home/app/uid /out/
RUN test "$(cat /out/uid)" = 1000 && test "$(cat /out/n)" -gt 0 && ! ps | grep -q 'sleep 100[3]'
`, reg),
	})
	for _, d := range []string{ctx, filepath.Dir(ctx)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	name := "hush-e2e-cmode-" + randHex(t, 4)
	t.Cleanup(func() { _, _ = docker(t, "rm", "-f", "-v", name) })
	build := "hush build --isolation container --tls-verify=false --secret id=tok,src=/ctx/tok"
	if out, err := docker(t, "run", "-d", "--name", name, "--network", "host", "-v", ctx+":/ctx:ro",
		"--entrypoint", "/hush/bin/sh", hushImage, "-c",
		"cd /ctx; "+build+" -f Dockerfile.kill . >/tmp/kill.log 2>&1; sleep 3600"); err != nil {
		t.Fatalf("docker run: %v %s", err, out)
	}
	exec := func(script string) (string, error) {
		return docker(t, "exec", name, "/hush/bin/sh", "-c", script)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if _, err := exec("test -e /started"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			log, _ := exec("cat /tmp/kill.log")
			t.Fatalf("the step never started:\n%s", c.mask(log))
		}
		time.Sleep(time.Second)
	}
	if out, err := exec("kill -9 $(pidof hush)"); err != nil {
		t.Fatalf("killing hush: %v %s", err, out)
	}
	// What the kill left: proves the prune below has something to remove.
	if out, err := exec("test -e /leak && ls /dev/shm | grep -q hush-steps- && ps | grep -v grep | grep -q 'sleep 1001'"); err != nil {
		t.Fatalf("the killed build left no half-built / to sweep (the check cannot fail): %v %s", err, out)
	}
	if out, err := exec("hush prune"); err != nil {
		t.Fatalf("hush prune: %v %s", err, c.mask(out))
	}
	if out, err := exec("ps -o pid,args | grep -v grep | grep 'sleep 100[12]'"); err == nil {
		t.Errorf("the dead build's step processes still run:\n%s", out)
	}
	if out, err := exec("ls -a / /dev/shm; test ! -e /leak && test ! -e /etc/app.tok && ! ls /dev/shm | grep -q hush-steps-"); err != nil {
		t.Errorf("prune did not restore / and tmpfs: %v\n%s", err, out)
	}
	assertExportClean(t, c, name)

	out, err := exec("cd /ctx && " + build + " . 2>&1; echo exit=$?")
	if form := c.find([]byte(out)); form != "" {
		t.Errorf("the build's output shows the secret (%s)", form)
	}
	if !strings.Contains(out, "exit=0") {
		t.Fatalf("the build after the prune failed: %v\n%s", err, c.mask(out))
	}
	if ps, err := exec("ps | grep -v grep | grep 'sleep 100[3]'"); err == nil {
		t.Errorf("a step's setsid process outlived the build:\n%s", ps)
	}
	assertExportClean(t, c, name)
}
