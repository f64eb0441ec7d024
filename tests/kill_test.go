package tests

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// running is a hush build caught in its long step.
type running struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	waited bool
	start  time.Time
	hush   int      // the hush process (as root, cmd's; rootless, runuser's child)
	tree   []int    // every hush process under it (the user-namespace re-exec, the runtime helper)
	dirs   []string // the build's tmpfs directories
	marker string   // in the environment of the step's processes
}

// startLongBuild starts a build whose step copies the secret into the
// container's filesystem and its /tmp, prints a marker and sleeps 300 s,
// and returns once the marker is out. With layers, the copy is made by a
// step of its own, committed (with --layers) as an image before the long
// step starts: an image no guard has looked at yet.
func startLongBuild(t *testing.T, c *canary, layers bool) *running {
	t.Helper()
	b := &running{out: &syncBuffer{}, marker: "HUSH_E2E_KILL=" + randHex(t, 8)}
	ctx := tempDir(t)
	dockerfile := "FROM localhost/busybox\nENV " + b.marker + "\n" +
		`RUN --mount=type=secret,id=s sh -c 'cp /run/secrets/s /leak; cp /run/secrets/s /tmp/leak.tmp; echo "step is running: $((40+2))"; sleep 300'` + "\n"
	args := []string{"-t", tagFor(t, ""), "--secret", "id=s,env=HUSH_E2E_TOKEN"}
	if layers {
		dockerfile = "FROM localhost/busybox\nENV " + b.marker + "\n" +
			`RUN --mount=type=secret,id=s sh -c 'cp /run/secrets/s /leak; cp /run/secrets/s /tmp/leak.tmp'` + "\n" +
			`RUN sh -c 'echo "step is running: $((40+2))"; sleep 300'` + "\n"
		args = append(args, "--layers")
	}
	writeFiles(t, ctx, map[string]string{"Dockerfile": dockerfile})
	b.cmd = command(context.Background(), []string{"HUSH_E2E_TOKEN=" + c.value}, suite.hush, build(append(args, ctx)...)...)
	b.cmd.Dir, b.cmd.Stdout, b.cmd.Stderr = suite.dir, b.out, b.out
	b.cmd.WaitDelay = 10 * time.Second // a stray step must not hold Wait on its pipes
	b.start = time.Now()
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.stop() })
	for !strings.Contains(b.out.String(), "step is running: 42") {
		if !alive(b.cmd.Process.Pid) {
			t.Fatalf("hush ended before its step ran:\n%s", b.out.String())
		}
		if time.Since(b.start) > time.Minute {
			t.Fatalf("the step did not start within a minute:\n%s", b.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.hush = b.cmd.Process.Pid
	if suite.user != "" { // cmd is runuser
		for _, p := range descendants(b.cmd.Process.Pid) {
			if isHush(p) {
				b.hush = p
				break
			}
		}
	}
	if !isHush(b.hush) {
		t.Fatalf("no hush process found under pid %d", b.cmd.Process.Pid)
	}
	b.tree = []int{b.hush}
	for _, p := range descendants(b.hush) {
		if isHush(p) {
			b.tree = append(b.tree, p)
		}
	}
	for _, p := range b.tree {
		for _, base := range tmpfsBases() {
			found, _ := filepath.Glob(filepath.Join(base, strconv.Itoa(p)+"-*"))
			b.dirs = append(b.dirs, found...)
		}
	}
	if len(b.dirs) == 0 {
		t.Fatalf("no tmpfs build directory of hush %v in %v", b.tree, tmpfsBases())
	}
	if len(markedProcs(b.marker)) == 0 {
		t.Fatalf("no process carries %s: the running-step check could not fail", b.marker)
	}
	return b
}

// wait reaps the process started (hush, or runuser) and returns its exit
// code (-1 when a signal ended it), failing after limit.
func (b *running) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- b.cmd.Wait() }()
	select {
	case err := <-done:
		b.waited = true
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(limit):
		t.Fatalf("hush still running %s after the signal:\n%s", limit, b.out.String())
		return 0
	}
}

// stop ends whatever the test left running and sweeps it up.
func (b *running) stop() {
	if !b.waited {
		// After a failure hush (rootless: under runuser) and its step may
		// still run; the step holds the output pipes open for 300 s.
		for _, p := range descendants(b.cmd.Process.Pid) {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		_ = b.cmd.Process.Kill()
		_ = b.cmd.Wait()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = command(ctx, nil, suite.hush, "prune", "--root", suite.root, "--runroot", suite.runRoot).Run()
}

// crash SIGKILLs hush, as a crash would, leaving the step and its
// container behind; rootless, the re-exec dies with it (parent-death
// signal). It checks the secret is still on disk: proof that the checks
// after the sweep can fail. reap: wait for hush, as its parent would.
func (b *running) crash(t *testing.T, c *canary, reap bool) {
	t.Helper()
	if err := syscall.Kill(b.hush, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range b.tree {
		for alive(p) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if alive(p) {
			t.Fatalf("hush process %d outlived the SIGKILL of hush %d by 10 s", p, b.hush)
		}
	}
	if reap {
		b.wait(t, 10*time.Second)
	}
	if len(findResidue(c, b.start)) == 0 {
		t.Fatalf("the killed build left no copy of the secret on disk: the residue check below proves nothing")
	}
	if form := c.find([]byte(b.out.String())); form != "" {
		t.Errorf("the killed hush printed the secret (%s)", form)
	}
}

// assertSwept checks nothing of the build is left: no copy of the secret
// on the machine, no container, no tmpfs directory, no step running.
func (b *running) assertSwept(t *testing.T, c *canary) {
	t.Helper()
	for _, r := range findResidue(c, b.start) {
		t.Errorf("LEAK: %s", r)
	}
	if left := containersLeft(t, suite.root, suite.runRoot); len(left) > 0 {
		t.Errorf("containers left in the store: %v", left)
	}
	for _, d := range b.dirs {
		if _, err := os.Lstat(d); !os.IsNotExist(err) {
			t.Errorf("the build's tmpfs directory %s is still there (%v)", d, err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(markedProcs(b.marker)) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if ps := markedProcs(b.marker); len(ps) > 0 {
		t.Errorf("the step (sleep 300) still runs: pids %v", ps)
	}
}

func prune(t *testing.T) {
	t.Helper()
	r := runHush(t, nil, call{args: []string{"prune", "--root", suite.root, "--runroot", suite.runRoot}})
	if r.code != 0 {
		t.Errorf("hush prune: exit %d\n%s", r.code, r.stderr)
	}
	t.Logf("hush prune: %s", strings.TrimSpace(r.stdout))
}

// TestKillThenPrune: hush prune sweeps a SIGKILLed build, once its parent
// has reaped it and while it is still a zombie (dead, not yet waited for).
// The zombie case is root only: rootless, the process that owns the build
// is the user-namespace re-exec, whose parent the test does not control.
//
// With --layers, the step that copied the secret is already committed as
// an image when hush dies: prune must remove that image too.
func TestKillThenPrune(t *testing.T) {
	for _, tc := range []struct {
		name           string
		reaped, layers bool
	}{{"reaped", true, false}, {"zombie", false, false}, {"--layers, leaky step committed", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.reaped && suite.user != "" {
				t.Skip("rootless, the build's owner is the user-namespace re-exec, which the test cannot keep unreaped")
			}
			c := newCanary(t)
			b := startLongBuild(t, c, tc.layers)
			b.crash(t, c, tc.reaped)
			prune(t)
			b.assertSwept(t, c)
		})
	}
}

// TestKillThenBuild: the next build, of something else and with no
// secret, sweeps up after the killed one (a --layers build, whose leaky
// step was already an image).
func TestKillThenBuild(t *testing.T) {
	c := newCanary(t)
	b := startLongBuild(t, c, true)
	b.crash(t, c, true)
	buildIn(t, nil, contextBuild{dockerfile: "FROM localhost/busybox\nRUN echo other > /other\n", tag: tagFor(t, "-next")})
	b.assertSwept(t, c)
}

// TestKillSignal: SIGTERM or SIGINT ends the running step at once and
// cleans up, although the step would sleep 300 s.
func TestKillSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			c := newCanary(t)
			b := startLongBuild(t, c, false)
			sent := time.Now()
			if err := syscall.Kill(b.hush, sig); err != nil {
				t.Fatal(err)
			}
			code := b.wait(t, 20*time.Second)
			t.Logf("hush exited %d, %s after %s", code, time.Since(sent).Round(time.Millisecond), sig)
			if code == 0 {
				t.Errorf("exit code 0 after %s, want a failure", sig)
			}
			if form := c.find([]byte(b.out.String())); form != "" {
				t.Errorf("hush printed the secret (%s)", form)
			}
			b.assertSwept(t, c)
		})
	}
}

// tmpfsBases are where hush makes its per-user build directories.
func tmpfsBases() []string {
	bases := []string{"/dev/shm"}
	if suite.runtime != "" {
		bases = append(bases, suite.runtime)
	}
	for i, b := range bases {
		bases[i] = filepath.Join(b, "hush-"+strconv.Itoa(suite.uid))
	}
	return bases
}

// procStat returns a process's state and parent pid, from /proc.
func procStat(pid int) (state byte, ppid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 2 {
		return 0, 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	return f[0][0], ppid, true
}

// alive: the process exists and is not a zombie.
func alive(pid int) bool {
	st, _, ok := procStat(pid)
	return ok && st != 'Z'
}

func allPids() []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		if p, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, p)
		}
	}
	return pids
}

// descendants lists pid's living descendants, parents first.
func descendants(pid int) []int {
	parent := map[int]int{}
	for _, p := range allPids() {
		if _, pp, ok := procStat(p); ok && alive(p) {
			parent[p] = pp
		}
	}
	var out []int
	for queue := []int{pid}; len(queue) > 0; queue = queue[1:] {
		for p, pp := range parent {
			if pp == queue[0] {
				out = append(out, p)
				queue = append(queue, p)
			}
		}
	}
	return out
}

// isHush: the process runs the binary under test (hush, its user-namespace
// re-exec or buildah's runtime helper).
//
// It compares files, not paths: the rootless re-exec lives in a mount
// namespace of its own, where readlink of /proc/PID/exe gives "/" to an
// outside reader, while stat follows the link to the binary itself.
func isHush(pid int) bool {
	exe, err := os.Stat("/proc/" + strconv.Itoa(pid) + "/exe")
	if err != nil {
		return false
	}
	bin, err := os.Stat(suite.hush)
	return err == nil && os.SameFile(exe, bin)
}

// markedProcs lists the living processes whose environment holds marker.
func markedProcs(marker string) []int {
	var out []int
	for _, p := range allPids() {
		env, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/environ")
		if err == nil && alive(p) && strings.Contains("\x00"+string(env), "\x00"+marker+"\x00") {
			out = append(out, p)
		}
	}
	return out
}
