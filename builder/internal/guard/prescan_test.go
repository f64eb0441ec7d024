package guard

import (
	"archive/tar"
	"bytes"
	"fmt"
	"github.com/hushbuild/hush/audit"
	"io"
	"maps"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"

	"github.com/hushbuild/hush/secrets"
	"github.com/hushbuild/hush/secrets/pattern"
)

// prescanSecrets are eight pip.conf-like values, as bench/guard.sh uses.
func prescanSecrets() *pattern.Set {
	var secs []secrets.Secret
	for i := 1; i <= 8; i++ {
		v := fmt.Sprintf("[global]\nindex-url = https://ci:benchpass%02d%x@pypi.internal/simple\n", i, rand.Int63())
		secs = append(secs, secrets.New(fmt.Sprintf("s%d", i), []byte(v)))
	}
	return pattern.NewSet(secs...)
}

// layerBlob is a tar of one file of n bytes, half random blocks, half
// text lines, the mix bench/guard.sh commits.
func layerBlob(n int) []byte {
	r := rand.New(rand.NewSource(1))
	words := []string{"alpha", "beta", "index-url", "timeout", "password", "token", "https://example.org/simple", "= 60"}
	var body bytes.Buffer
	for body.Len() < n {
		block := make([]byte, 1<<20)
		r.Read(block)
		body.Write(block)
		for i := 0; i < 11000 && body.Len() < n; i++ {
			for j := 0; j < 12; j++ {
				body.WriteString(words[r.Intn(len(words))])
				body.WriteByte(' ')
			}
			body.WriteByte('\n')
		}
	}
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	_ = tw.WriteHeader(&tar.Header{Name: "big", Mode: 0o644, Size: int64(body.Len()), Typeflag: tar.TypeReg})
	_, _ = tw.Write(body.Bytes())
	_ = tw.Close()
	return b.Bytes()
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// writeBlob writes blob as buildah does (32 KiB writes into
// <dir>/buildahNNN/layer, close, rename to its digest), paced at rate
// bytes a second so a follower sees the file grow as it would in a commit.
// A child process writes, so this process's CPU time is the follower's.
func writeBlob(b *testing.B, dir, blob string, rate float64) {
	cmd := exec.Command("python3", "-c", blobWriter, dir, blob, fmt.Sprint(rate))
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("writer: %v\n%s", err, out)
	}
}

const blobWriter = `
import os, sys, time, tempfile
d, src, rate = sys.argv[1], sys.argv[2], float(sys.argv[3])
sub = tempfile.mkdtemp(dir=d, prefix="buildah")
time.sleep(0.01)  # buildah writes the config and manifest first
data = open(src, "rb").read()
t0 = time.time()
with open(os.path.join(sub, "layer"), "wb", buffering=0) as f:
    for off in range(0, len(data), 32 << 10):
        f.write(data[off:off + (32 << 10)])
        if off % (1 << 20) == 0:
            ahead = off / rate - (time.time() - t0)
            if ahead > 0:
                time.sleep(ahead)
os.rename(os.path.join(sub, "layer"), os.path.join(sub, "sha256:%064x" % int.from_bytes(os.urandom(8), "big")))
`

// BenchmarkPrescanFollow is the CPU the guard's prescan spends following a
// 460 MB layer written at 280 MB/s (a commit's pace on this kind of
// machine), against the writer alone: "cpu-ms/op" of the whole process,
// which is what the build beside it loses.
func BenchmarkPrescanFollow(b *testing.B) {
	blob := filepath.Join(b.TempDir(), "blob")
	if err := os.WriteFile(blob, layerBlob(460<<20), 0o600); err != nil {
		b.Fatal(err)
	}
	set := prescanSecrets()
	for _, follow := range []bool{false, true} {
		b.Run(fmt.Sprintf("prescan=%v", follow), func(b *testing.B) {
			dir, err := os.MkdirTemp("/dev/shm", "hush-bench-prescan")
			if err != nil {
				b.Fatal(err)
			}
			defer os.RemoveAll(dir)
			b.SetBytes(460 << 20)
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				c0 := cpuTime()
				var pre *Prescan
				if follow {
					pre = StartPrescan(dir, audit.NewEngine(set, false))
				}
				writeBlob(b, dir, blob, 280e6)
				for deadline := time.Now().Add(5 * time.Second); follow && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
					pre.mu.Lock()
					named := len(pre.results) + len(pre.active)
					pre.mu.Unlock()
					if named == 1 && len(pre.active) == 0 {
						break
					}
				}
				pre.Stop()
				cpu += cpuTime() - c0
				if follow && len(pre.results) != 1 {
					b.Fatalf("prescan scanned %d layers, want 1", len(pre.results))
				}
			}
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}

// TestPrescanFollowsSlowWriter: a blob written in pieces, with pauses
// longer than a follower's poll between them and the secret split across
// two of them, is scanned whole while it is written, and its result is
// found by the digest it is renamed to.
func TestPrescanFollowsSlowWriter(t *testing.T) {
	dir := shmDir(t)
	pre := testPrescan(t, dir)
	blob := layerTar(t, tarEntry{name: "etc/a.conf", body: strings.Repeat("x", 70000) + "token=" + scanCanary + "\n"})
	sub, err := os.MkdirTemp(dir, "buildah")
	if err != nil {
		t.Fatal(err)
	}
	awaitWatch(t, pre, sub)
	f, err := os.Create(filepath.Join(sub, "layer"))
	if err != nil {
		t.Fatal(err)
	}
	cut := 70000 + len("token=") + len(scanCanary)/2 + 512
	written := int64(0)
	for _, piece := range [][]byte{blob[:4096], blob[4096:cut], blob[cut:]} {
		if _, err := f.Write(piece); err != nil {
			t.Fatal(err)
		}
		// The next piece comes only once the follower has caught up and
		// waits at the end of the blob, as it does behind a slow writer.
		written += int64(len(piece))
		awaitRead(t, pre, sub, written)
	}
	f.Close()
	name := digest.FromBytes(blob).String()
	if err := os.Rename(filepath.Join(sub, "layer"), filepath.Join(sub, name)); err != nil {
		t.Fatal(err)
	}
	awaitOneHit(t, pre, name)
}

// awaitWatch waits until prescan watches dir (a directory buildah made).
func awaitWatch(t *testing.T, pre *Prescan, dir string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		pre.mu.Lock()
		watched := slices.Contains(slices.Collect(maps.Values(pre.watches)), dir)
		pre.mu.Unlock()
		if watched {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("prescan does not watch %s 10 s after it was made", dir)
		}
	}
}

// awaitRead waits until prescan's follower of the blob in dir has read
// its first n bytes.
func awaitRead(t *testing.T, pre *Prescan, dir string, n int64) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		pre.mu.Lock()
		fl := pre.active[dir]
		pre.mu.Unlock()
		if fl != nil {
			// The follower's offset: Seek(0, current) moves nothing.
			if off, err := fl.f.Seek(0, io.SeekCurrent); err == nil && off >= n {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("prescan's follower in %s has not read %d bytes 10 s after they were written", dir, n)
		}
	}
}

// shmDir is a directory on tmpfs, where a build's TMPDIR is.
func shmDir(t *testing.T) string {
	dir, err := os.MkdirTemp("/dev/shm", "hush-test-prescan")
	if err != nil {
		t.Skip("no /dev/shm:", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// testPrescan watches dir for the canary.
func testPrescan(t *testing.T, dir string) *Prescan {
	pre := StartPrescan(dir, audit.NewEngine(pattern.NewSet(secrets.New("tok", []byte(scanCanary))), false))
	if pre == nil {
		t.Skip("no inotify")
	}
	t.Cleanup(pre.Stop)
	return pre
}

// awaitOneHit waits for prescan's result for the blob named name, which
// must hold the canary once.
func awaitOneHit(t *testing.T, pre *Prescan, name string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if ls, ok := pre.lookup(name); ok {
			if ls.Hits() != 1 {
				t.Fatalf("%.19s: prescan found %d hits, want 1", name, ls.Hits())
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%.19s: prescan has no result 10 s after the blob was renamed", name)
		}
	}
}

// TestPrescanCatchesUp: a busy machine can delay the watch on buildah's
// new directory past its first writes. What was there before the watch, a
// blob already renamed to its digest and one still being written, is
// scanned too.
func TestPrescanCatchesUp(t *testing.T) {
	dir := shmDir(t)
	pre := testPrescan(t, t.TempDir())
	sub := filepath.Join(dir, "buildah123")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	done := layerTar(t, tarEntry{name: "a", body: "token=" + scanCanary + "\n"})
	doneName := digest.FromBytes(done).String()
	if err := os.WriteFile(filepath.Join(sub, doneName), done, 0o600); err != nil {
		t.Fatal(err)
	}
	growing := layerTar(t, tarEntry{name: "b", body: strings.Repeat("y", 10000) + scanCanary + strings.Repeat("y", 10000)})
	f, err := os.Create(filepath.Join(sub, "layer"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(growing[:5000]); err != nil {
		t.Fatal(err)
	}
	// The directory's creation event, handled only now, as if late.
	pre.mu.Lock()
	pre.watches[-1] = dir
	pre.mu.Unlock()
	pre.event(-1, unix.IN_CREATE|unix.IN_ISDIR, "buildah123")
	if _, err := f.Write(growing[5000:]); err != nil {
		t.Fatal(err)
	}
	f.Close()
	growingName := digest.FromBytes(growing).String()
	if err := os.Rename(filepath.Join(sub, "layer"), filepath.Join(sub, growingName)); err != nil {
		t.Fatal(err)
	}
	awaitOneHit(t, pre, doneName)
	awaitOneHit(t, pre, growingName)
}
