package tests

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stepLooks is a RUN step with no mount that looks for any canary
// (every test's starts with "hushcanary-") where hush or a concurrent
// build could have left one: /dev/shm, /run (and $XDG_RUNTIME_DIR under
// it), /tmp, /var/tmp, and every process's environment. It prints the
// paths it found one in (never the content) and fails.
const stepLooks = `RUN sh -c 'ls -la /dev/shm /run /tmp /var/tmp 2>&1 | head -40; ` +
	`found=$(grep -rlsF hushcanary- /dev/shm /run /tmp /var/tmp ${XDG_RUNTIME_DIR:-/run/user} /proc/[0-9]*/environ 2>/dev/null); ` +
	`if [ -n "$found" ]; then echo "HUSH-STEP-SAW: $found"; exit 1; fi; echo HUSH-STEP-SAW-NOTHING'`

// TestStepSeesOnlyItsMounts: while another build of the same user holds
// its secret in a running step, a build with a secret of its own that no
// step mounts runs a step that looks for either value, in every isolation
// the mode offers. On main before the fix, chroot isolation (as root)
// showed the step the host's /dev/shm, and both builds' values in it.
func TestStepSeesOnlyItsMounts(t *testing.T) {
	isolations := []string{"oci", "chroot"}
	if suite.user != "" {
		isolations = []string{"rootless", "chroot"}
	}
	other := newCanary(t)
	b := startLongBuild(t, other, false)
	defer func() {
		_ = syscall.Kill(b.hush, syscall.SIGTERM)
		b.wait(t, time.Minute)
	}()
	for _, iso := range isolations {
		t.Run(iso, func(t *testing.T) {
			c := newCanary(t)
			ctx := tempDir(t)
			writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\n" + stepLooks + "\n"})
			// Not runHush: the other build's container and values are
			// rightly there while it runs.
			cctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
			defer cancel()
			cmd := command(cctx, []string{"HUSH_E2E_TOKEN=" + c.value}, suite.hush,
				build("--isolation", iso, "--no-cache", "-t", tagFor(t, ""), "--secret", "id=own,env=HUSH_E2E_TOKEN", ctx)...)
			cmd.Dir = suite.dir
			out, err := cmd.CombinedOutput()
			shown := other.mask(c.mask(string(out)))
			if err != nil || !strings.Contains(shown, "HUSH-STEP-SAW-NOTHING") {
				t.Errorf("isolation %s: %v; the step found a value (or did not run):\n%s", iso, err, lastLines(shown, 30))
			}
			t.Logf("isolation %s, the step's view:\n%s", iso, lastLines(shown, 12))
			if f := c.find(out); f != "" {
				t.Errorf("hush's output shows its secret (%s)", f)
			}
		})
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
