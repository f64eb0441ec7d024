package platforms

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func TestParse(t *testing.T) {
	got, err := Parse("linux/amd64, linux/arm64/v8,linux/arm/v7")
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, p := range got {
		s = append(s, p.String())
	}
	if strings.Join(s, ",") != "linux/amd64,linux/arm64,linux/arm/v7" {
		t.Errorf("Parse = %v", s)
	}
	for _, bad := range []string{"", "/", "linux/", "linux/amd64,", "amd64", "linux/arm64,linux/aarch64"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

// TestRunStopsOnError: at most n at once, and the first error stops
// the platforms not started yet.
func TestRunStopsOnError(t *testing.T) {
	plats, _ := Parse("linux/amd64,linux/arm64,linux/s390x,linux/ppc64le")
	var running, most, started atomic.Int32
	boom := errors.New("refused")
	err := Run(context.Background(), plats, 1, func(ctx context.Context, i int, p Platform) error {
		started.Add(1)
		if n := running.Add(1); n > most.Load() {
			most.Store(n)
		}
		defer running.Add(-1)
		if i == 1 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Run = %v", err)
	}
	if most.Load() != 1 || started.Load() != 2 {
		t.Errorf("most at once %d, started %d; want 1, 2", most.Load(), started.Load())
	}
}

func TestRunner(t *testing.T) {
	dir := t.TempDir()
	host := Host()
	if Runner(host, dir) != "native" {
		t.Errorf("host %s not native", host)
	}
	foreign := Platform{OS: "linux", Arch: "s390x"}
	if host.Arch == "s390x" {
		foreign.Arch = "riscv64"
	}
	if r := Runner(foreign, dir); r != "" {
		t.Errorf("%s runs without a handler: %q", foreign, r)
	}
	if err := os.WriteFile(filepath.Join(dir, qemuNames[foreign.Arch]), []byte("enabled\ninterpreter /usr/bin/qemu\nflags: F\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := Runner(foreign, dir); !strings.Contains(r, "/usr/bin/qemu") {
		t.Errorf("%s with a handler: %q", foreign, r)
	}
}
