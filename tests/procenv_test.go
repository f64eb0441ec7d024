package tests

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestNoSecretInProcessTables: while a RUN step that has the canary
// secret runs (it sleeps a few seconds), no /proc/*/environ and no
// /proc/*/cmdline on the machine holds the canary: not hush's runtime
// helper, runc, a copier, nor any other process hush started. One secret
// kind per case: a file, an environment variable, target= injection, a
// RUN --mount env= and arg=.
func TestNoSecretInProcessTables(t *testing.T) {
	const ready = `echo "step is ready: $((40+2))"; sleep 4`
	tests := []struct {
		name       string
		dockerfile string
		flags      func(file string) []string
		envSource  bool // the value reaches hush in its own environment
		stepHolds  bool // the step asked for the value in its environment
	}{
		{"file", "RUN --mount=type=secret,id=s sh -c 'test -s /run/secrets/s && " + ready + "'",
			func(f string) []string { return []string{"--secret", "id=s,src=" + f} }, false, false},
		{"env", "RUN --mount=type=secret,id=s sh -c 'test -s /run/secrets/s && " + ready + "'",
			func(string) []string { return []string{"--secret", "id=s,env=HUSH_E2E_TOKEN"} }, true, false},
		{"target=", "RUN sh -c 'test -s /root/.tok && " + ready + "'",
			func(f string) []string { return []string{"--secret", "id=s,src=" + f + ",target=/root/.tok"} }, false, false},
		{"mount env=", "RUN --mount=type=secret,id=s,env=TOK sh -c 'test -n \"$TOK\" && " + ready + "'",
			func(f string) []string { return []string{"--secret", "id=s,src=" + f} }, false, true},
		{"arg=", "ARG TOK\nRUN sh -c 'test -n \"$TOK\" && " + ready + "'",
			func(f string) []string { return []string{"--secret", "id=s,src=" + f + ",arg=TOK"} }, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCanary(t)
			marker := "HUSH_E2E_STEP=" + randHex(t, 8)
			ctx := tempDir(t)
			writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\nENV " + marker + "\n" + tt.dockerfile + "\n"})
			file := secretFile(t, "tok", c.value)
			args := build(append(append([]string{"-q", "-t", tagFor(t, "")}, tt.flags(file)...), ctx)...)
			var env []string
			if tt.envSource {
				env = []string{"HUSH_E2E_TOKEN=" + c.value}
			}
			out := &syncBuffer{}
			cmd := command(context.Background(), env, suite.hush, args...)
			cmd.Dir, cmd.Stdout, cmd.Stderr = suite.dir, out, out
			cmd.WaitDelay = 10 * time.Second
			// -q prints no step output: the step's own "ready" goes
			// nowhere, so wait for its process instead.
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			start := time.Now()
			var step []int
			for len(step) == 0 {
				select {
				case err := <-done:
					t.Fatalf("hush ended (%v) before its step was seen:\n%s", err, c.mask(out.String()))
				default:
				}
				if time.Since(start) > time.Minute {
					t.Fatalf("the step did not start within a minute:\n%s", c.mask(out.String()))
				}
				time.Sleep(50 * time.Millisecond)
				step = sleepingStep(marker)
			}
			// Excluded, and only these: the step's own processes (its
			// shell and the sleep, which carry the Dockerfile's marker in
			// their environment) hold the value in their environment when
			// the step asked for it there (env=, arg=): that is what the
			// user asked for. With an env source, the value reached hush
			// in its own environment from the caller: the hush command
			// itself (and its user-namespace re-exec, started before any
			// flag is read) and the test's launcher (runuser, whose argv
			// sets the variable) are excluded; every process hush starts
			// is not.
			excluded := map[int]string{}
			for _, p := range markedProcs(marker) {
				excluded[p] = "the step"
			}
			if tt.envSource {
				excluded[cmd.Process.Pid] = "the test's launcher of hush"
				for _, p := range append([]int{cmd.Process.Pid}, descendants(cmd.Process.Pid)...) {
					if isHush(p) && cmdlineArg(p, 1) == "build" {
						excluded[p] = "the hush command, given the value in its environment"
					}
				}
			}
			held := 0
			for _, p := range allPids() {
				for _, f := range []string{"environ", "cmdline"} {
					b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/" + f)
					if err != nil || !bytes.Contains(b, []byte(c.value)) {
						continue
					}
					if why, ok := excluded[p]; ok {
						if why == "the step" {
							held++
						}
						continue
					}
					t.Errorf("LEAK: /proc/%d/%s holds the secret (%s, argv %q)", p, f, exeOf(p), c.mask(cmdlineArg(p, 0)))
				}
			}
			if tt.stepHolds && held == 0 {
				t.Errorf("the step's processes %v do not hold the value in their environment: the scan could not have failed", step)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("hush build: %v\n%s", err, c.mask(out.String()))
				}
			case <-time.After(3 * time.Minute):
				t.Fatalf("hush build did not finish:\n%s", c.mask(out.String()))
			}
			if form := c.find([]byte(out.String())); form != "" {
				t.Errorf("hush's output shows the secret (%s)", form)
			}
		})
	}
}

// sleepingStep lists the processes of a RUN step (they carry marker in
// their environment) once its sleep has started.
func sleepingStep(marker string) []int {
	procs := markedProcs(marker)
	for _, p := range procs {
		if cmdlineArg(p, 0) == "sleep" {
			return procs
		}
	}
	return nil
}

// cmdlineArg returns argument i of a process's command line, or "".
func cmdlineArg(pid, i int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return ""
	}
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	if i < len(args) {
		return args[i]
	}
	return ""
}

func exeOf(pid int) string {
	p, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	return p
}
