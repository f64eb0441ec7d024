package tests

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// soakKills is how many SIGKILLs TestSoakKillPrune lands.
const soakKills = 30

// TestSoakKillPrune kills a --layers build whose first step copies the
// secret into the image at moments spread over its whole run (start-up,
// the leaky step, each commit, the guard, the removal of the refused
// images), runs hush prune after each kill, and checks that the secret is
// nowhere on disk: not in the store (a layer committed but not yet an
// image, an image the guard never saw), not in /var/tmp or /tmp (blobs
// containers/image stages while committing), not in the user's home or
// runtime directory, and that the build's tmpfs directories are gone.
//
// The builds use a tmpfs base of their own (HUSH_TMPFS), so a hush of
// another suite on the machine, sweeping its own store, cannot touch their
// directories between the kill and the prune.
func TestSoakKillPrune(t *testing.T) {
	c := newCanary(t)
	// A store of its own: 30 kills leave states (a layer whose removal was
	// cut short) that hush recovers from but older readers of the store,
	// such as Debian's skopeo the later tests use, do not.
	kb := newKilledBuild(t, c, "hush-soak-")
	base, root, runRoot, args, env := kb.base, kb.root, kb.runRoot, kb.args, kb.env
	buildDirs := filepath.Join(base, "hush-"+strconv.Itoa(suite.uid))

	// One whole run first: how long the kills are spread over, and proof
	// that the build does leak (the guard refuses it: exit 3).
	start := time.Now()
	out, code := runToEnd(t, args, env)
	whole := time.Since(start)
	if code != 3 {
		t.Fatalf("the unkilled build exited %d, want 3 (the guard refusing the leaky layer):\n%s", code, c.mask(out))
	}
	if form := c.find([]byte(out)); form != "" {
		t.Fatalf("the build printed the secret (%s)", form)
	}
	assertNoResidue(t, c, start)
	t.Logf("one whole run: %s", whole.Round(time.Millisecond))

	kills, tries, sawCopy := 0, 0, false
	// Bounded: a kill, its prune and checks take less than a whole run
	// and 5 s more (about 2.5 s a kill on an idle 2-core machine).
	limit := soakKills * (whole + 5*time.Second)
	deadline := time.Now().Add(limit)
	for kills < soakKills && !t.Failed() {
		if time.Now().After(deadline) {
			t.Fatalf("only %d kills in %d tries within %s", kills, tries, limit.Round(time.Second))
		}
		// Stratified: kill i lands in the i-th slice of the run, at a
		// random point of it, so every phase is hit.
		at := time.Duration((float64(kills) + rand.Float64()) / soakKills * float64(whole))
		tries++
		iter := time.Now()
		killed, phase, took := startAndKill(t, c, args, env, after(at))
		if killed {
			kills++
			if len(newResidue(c, iter, base, root, runRoot)) > 0 {
				sawCopy = true
			}
		} else {
			// The build ran faster than the first (the machine's load
			// changes): spread the kills over its length now.
			whole = took
		}
		if sum := soakPrune(t, base, root, runRoot); killed {
			t.Logf("kill %d at %s (%s): %s", kills, at.Round(time.Millisecond), phase, sum)
		}
		for _, r := range newResidue(c, iter, base, root, runRoot) {
			t.Errorf("LEAK after kill %d at %s (%s): %s", kills, at.Round(time.Millisecond), phase, r)
		}
		if left, _ := os.ReadDir(buildDirs); len(left) > 0 {
			t.Errorf("after kill %d at %s (%s): build directories left in %s: %v", kills, at.Round(time.Millisecond), phase, buildDirs, left)
		}
		if left := containersLeft(t, root, runRoot); len(left) > 0 {
			t.Errorf("after kill %d at %s (%s): containers left: %v", kills, at.Round(time.Millisecond), phase, left)
		}
	}
	if !sawCopy {
		t.Error("no kill left a copy of the secret on disk before prune: the residue checks prove nothing")
	}
	// Once more over everything written since the soak began, in every
	// place findResidue knows, not only what each kill's check walks.
	assertNoResidue(t, c, start)
	t.Logf("%d kills in %d tries, %s", kills, tries, time.Since(start).Round(time.Millisecond))
}

// killedBuild is a --layers build whose first step copies the secret
// into its layer, set up to be killed: a tmpfs base of its own
// (HUSH_TMPFS), so a hush of another suite on the machine, sweeping its own
// store, cannot touch its directories between a kill and the prune, and a
// store of its own.
type killedBuild struct {
	base, root, runRoot string
	args, env           []string
}

func newKilledBuild(t *testing.T, c *canary, prefix string) killedBuild {
	t.Helper()
	base, err := os.MkdirTemp("/dev/shm", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	if _, err := mkdirOwned(base); err != nil {
		t.Fatal(err)
	}
	ctxDir := tempDir(t)
	writeFiles(t, ctxDir, map[string]string{"Dockerfile": "FROM localhost/busybox\n" +
		"RUN --mount=type=secret,id=s cp /run/secrets/s /leak\n" +
		"RUN echo two > /two\n"})
	store := freshStore(t)
	return killedBuild{
		base: base, root: store[1], runRoot: store[3],
		args: append(append([]string{"build"}, store...), "--layers", "-t", tagFor(t, ""), "--secret", "id=s,env=HUSH_E2E_TOKEN", ctxDir),
		env:  []string{"HUSH_E2E_TOKEN=" + c.value, "HUSH_TMPFS=" + base},
	}
}

// runToEnd runs the build unkilled and returns its output and exit code.
func runToEnd(t *testing.T, args, env []string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := command(ctx, env, suite.hush, args...)
	cmd.Dir = suite.dir
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

// newResidue is the check after each kill, kept cheap so 30 of them fit:
// every file changed since start in the store, the tmpfs base and (rootless)
// the user's runtime directory and home; in /tmp and /var/tmp, only what
// was created at their top level since start (the staging directories
// containers/image and buildah make there), not the whole of two shared
// directories other programs keep writing to. The soak ends with the full
// walk.
func newResidue(c *canary, start time.Time, base, root, runRoot string) []string {
	dirs := []string{root, runRoot, base}
	if suite.user != "" {
		dirs = append(dirs, suite.runtime, suite.home)
	}
	since := start.Add(-time.Second)
	for _, top := range []string{"/tmp", "/var/tmp"} {
		entries, _ := os.ReadDir(top)
		for _, e := range entries {
			fi, err := e.Info()
			if err != nil {
				continue
			}
			p := filepath.Join(top, e.Name())
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && time.Unix(st.Ctim.Unix()).After(since) && p != suite.dir {
				dirs = append(dirs, p)
			}
		}
	}
	return residueIn(c, start, dirs)
}

// after is the kill moment of startAndKill: at after the build started,
// unless it ends first.
func after(at time.Duration) func(start time.Time, done <-chan struct{}) bool {
	return func(start time.Time, done <-chan struct{}) bool {
		select {
		case <-done:
			return false
		case <-time.After(time.Until(start.Add(at))):
			return true
		}
	}
}

// startAndKill starts the build and SIGKILLs hush when moment, waiting,
// says so (false: the build ended first). It returns whether hush was
// still running to be killed, the last line hush had printed (the phase
// the kill hit) and, when it was not, how long the build took; once every
// hush process is gone.
func startAndKill(t *testing.T, c *canary, args, env []string, moment func(start time.Time, done <-chan struct{}) bool) (bool, string, time.Duration) {
	t.Helper()
	out := &syncBuffer{}
	cmd := command(context.Background(), env, suite.hush, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = suite.dir, out, out
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	defer func() {
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("hush (or runuser) still running 30 s after the kill")
		}
		waitNoHush(t)
	}()
	if !moment(start, done) {
		return false, "finished", time.Since(start)
	}
	pid := cmd.Process.Pid
	if suite.user != "" { // cmd is runuser: hush is its child
		pid = 0
		for deadline := time.Now().Add(10 * time.Second); pid == 0 && time.Now().Before(deadline); {
			for _, p := range descendants(cmd.Process.Pid) {
				if isHush(p) {
					pid = p
					break
				}
			}
			if pid == 0 {
				time.Sleep(time.Millisecond)
			}
		}
		if pid == 0 {
			return false, "no hush under runuser", time.Since(start)
		}
	}
	phase := lastLine(c.mask(out.String()))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return false, "finished", time.Since(start)
		}
		t.Fatal(err)
	}
	return true, phase, 0
}

// waitNoHush waits until no process runs the binary under test: the
// killed hush's re-exec and runtime helper die by their parent-death
// signal, and a sweep must not find them alive.
func waitNoHush(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var left []int
		for _, p := range allPids() {
			if alive(p) && isHush(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("hush processes %v outlived the kill by 10 s", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 60 {
		s = s[:60]
	}
	if s == "" {
		return "nothing printed yet"
	}
	return s
}

// soakPrune runs hush prune over the builds' tmpfs base.
func soakPrune(t *testing.T, base, root, runRoot string) string {
	t.Helper()
	r := runHush(t, nil, call{args: []string{"prune", "--root", root, "--runroot", runRoot}, env: []string{"HUSH_TMPFS=" + base}})
	if r.code != 0 {
		t.Errorf("hush prune: exit %d\n%s", r.code, r.stderr)
	}
	return strings.TrimSpace(r.stdout)
}
