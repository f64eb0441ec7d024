package stepcaps

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// A step started as root holds Keep at most, in every set, and hush's own
// threads keep what they had.
func TestStartCutsCapabilities(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: an unprivileged process has no capabilities to cut")
	}
	var keep uint64
	for _, c := range Keep {
		keep |= 1 << c
	}
	before := threadBnd(t)
	cmd := exec.Command("/bin/cat", "/proc/self/status")
	var out strings.Builder
	cmd.Stdout = &out
	// Pdeathsig as container isolation sets it: the step must survive
	// Start's return (the signal follows the thread that forked it).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	release, err := Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	// A step that outlives Start's return by more than a moment.
	slow := exec.Command("/bin/sh", "-c", "sleep 0.3")
	slow.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	release2, err := Start(slow)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	if err := slow.Wait(); err != nil {
		t.Errorf("a step started with Pdeathsig ended with %v, want a clean exit", err)
	}
	release2()
	for _, set := range []string{"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"} {
		got := parseCap(t, out.String(), set)
		if got&^keep != 0 {
			t.Errorf("%s of the step = %016x: holds %016x beyond Keep", set, got, got&^keep)
		}
	}
	if parseCap(t, out.String(), "CapBnd") == 0 {
		t.Error("the step has no bounding set at all: Keep was dropped too")
	}
	// Any thread of hush's other than the one that forked the step.
	if after := threadBnd(t); after != before {
		t.Errorf("hush's own bounding set changed from %016x to %016x", before, after)
	}
}

// threadBnd reads the bounding set of the thread a new goroutine runs on.
func threadBnd(t *testing.T) uint64 {
	t.Helper()
	res := make(chan []byte, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		b, _ := os.ReadFile("/proc/thread-self/status")
		res <- b
	}()
	return parseCap(t, string(<-res), "CapBnd")
}

func parseCap(t *testing.T, status, set string) uint64 {
	t.Helper()
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, set+":"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no %s in status", set)
	return 0
}
