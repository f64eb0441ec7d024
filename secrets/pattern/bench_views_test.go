package pattern

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkViews is a Stream's throughput, views on and off, on one kind
// of data each: what each view costs. binary and text hold no encoding;
// base64 is wrapped random blocks (decoded and scanned again); json is
// escaped JSON text (every region decoded by the backslash dialect).
func BenchmarkViews(b *testing.B) {
	set := NewSet(benchSecrets(b)...)
	for _, d := range viewsData(b) {
		benchViewsOnOff(b, set, d.name, d.data)
	}
}

// benchViewsOnOff runs a Stream over data in 64 KiB writes, views off and
// on: the two sub-benchmarks BenchmarkViews and BenchmarkContent report.
func benchViewsOnOff(b *testing.B, set *Set, name string, data []byte) {
	for _, views := range []bool{false, true} {
		sub := name + "/views=off"
		if views {
			sub = name + "/views=on"
		}
		b.Run(sub, func(b *testing.B) {
			st := set.NewStream(func(Match) {})
			if !views {
				st.vw = nil
			}
			b.SetBytes(int64(len(data)))
			for range b.N {
				st.Reset()
				for p := data; len(p) > 0; {
					k := min(len(p), 64<<10)
					_, _ = st.Write(p[:k])
					p = p[k:]
				}
			}
		})
	}
}

// viewsData is one input per kind of data, and sqlite's C source (escapes
// everywhere) from the vendored modules.
func viewsData(tb testing.TB) []struct {
	name string
	data []byte
} {
	mixed := mixedData(8<<20, 42, nil)
	var bin, text []byte
	for len(bin) < 4<<20 {
		bin = append(bin, mixed[len(bin)%len(mixed)]|0x80)
	}
	for len(text) < 4<<20 {
		text = append(text, "the build layer install package error warning config requirements\n"...)
	}
	b64 := []byte(base64.StdEncoding.EncodeToString(mixed[:3<<20]))
	var js strings.Builder
	for js.Len() < 4<<20 {
		q, _ := json.Marshal(map[string]string{"msg": "step \"RUN\" in C:\\build\\path\tdone é", "url": "https://x/y?a=1&b=%20"})
		js.Write(q)
		js.WriteByte('\n')
	}
	src, err := os.ReadFile("../../vendor/github.com/mattn/go-sqlite3/sqlite3-binding.c")
	if err != nil {
		tb.Fatal(err)
	}
	return []struct {
		name string
		data []byte
	}{{"binary", bin}, {"text", text}, {"base64", b64}, {"json", []byte(js.String())}, {"csource", src}, {"mixed", mixed}}
}

// TestViewsCost prints what BenchmarkViews measures in thread CPU time,
// which holds on a loaded machine where wall time does not:
// HUSH_VIEWS_COST=1 go test -run TestViewsCost -v (docs/audit.md);
// HUSH_VIEWS_COST=content for BenchmarkContent's real plain bytes;
// HUSH_VIEWS_SET=tokens for three short secrets instead of the eight of
// every kind.
func TestViewsCost(t *testing.T) {
	if os.Getenv("HUSH_VIEWS_COST") == "" {
		t.Skip("set HUSH_VIEWS_COST=1")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(1, &ru) // RUSAGE_THREAD
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	set := NewSet(benchSecrets(t)...)
	if os.Getenv("HUSH_VIEWS_SET") == "tokens" {
		// A typical build's secrets: two tokens and a password.
		set = NewSet(New("a", []byte("ghp_R4nd0mT0kenValue1234567890abcd")),
			New("b", []byte("npm_9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a")), New("c", []byte("S3cr3t-P@ss!w0rd")))
	}
	kinds := viewsData(t)
	if os.Getenv("HUSH_VIEWS_COST") == "content" {
		kinds = contentData(t)
	}
	for _, d := range kinds {
		for _, views := range []bool{false, true} {
			st := set.NewStream(func(Match) {})
			if !views {
				st.vw = nil
			}
			var used time.Duration
			for range 5 {
				st.Reset()
				c0 := cpu()
				for p := d.data; len(p) > 0; {
					k := min(len(p), 64<<10)
					_, _ = st.Write(p[:k])
					p = p[k:]
				}
				used += cpu() - c0
			}
			t.Logf("%-11s views=%-5v %6.0f MB/s", d.name, views, 5*float64(len(d.data))/used.Seconds()/1e6)
		}
	}
}
