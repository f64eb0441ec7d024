package archive

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/hushbuild/hush/secrets/pattern"
)

// benchData is pattern's benchmark data, planted with the secrets' values
// raw and in base64 (the Set's own patterns are not exported).
func benchData(b *testing.B) (*pattern.Set, []byte) {
	secs := benchSecrets(b)
	var plant [][]byte
	for _, s := range secs {
		plant = append(plant, s.Value(), []byte(base64.StdEncoding.EncodeToString(s.Value())))
	}
	return pattern.NewSet(secs...), mixedData(8<<20, 42, plant)
}

// BenchmarkScanTar scans a layer of many files of mixed content, a tenth
// of them gzipped, the way the commit guard does.
func BenchmarkScanTar(b *testing.B) {
	set, data := benchData(b)
	var entries []entry
	r := rand.New(rand.NewPCG(8, 9))
	for i := 0; len(data) > 0; i++ {
		n := min(len(data), 1<<r.IntN(18))
		e := entry{name: fmt.Sprintf("usr/lib/f%d", i), body: string(data[:n])}
		if i%10 == 0 {
			e.name += ".gz"
			e.body = string(gz(b, "", data[:n]))
		}
		entries = append(entries, e)
		data = data[n:]
	}
	layer := makeTar(b, entries...)
	b.SetBytes(int64(len(layer)))
	b.ResetTimer()
	start := cpuTime()
	for range b.N {
		if err := ScanTar(set, bytes.NewReader(layer), func(Finding) {}); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start, int64(len(layer)))
}

// cpuTime is the process's CPU time so far (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds cpu-MB/s: the bytes of one op over the CPU time an op
// took, which other processes on a busy machine inflate far less than the
// wall time (garbage collection on other cores counts too). Call it with
// the CPU time when the loop started, after the loop.
func reportCPU(b *testing.B, start time.Duration, bytes int64) {
	if d := cpuTime() - start; d > 0 {
		b.ReportMetric(float64(bytes)*float64(b.N)/d.Seconds()/1e6, "cpu-MB/s")
	}
}

// BenchmarkScanPlain scans one file of plain bytes (the carve's signature
// search and the raw scan) and one real executable, whose bytes hold
// magic numbers by chance; cpu-MB/s is what a core does.
func BenchmarkScanPlain(b *testing.B) {
	set, data := benchData(b)
	exe, err := os.ReadFile("/usr/bin/git")
	if err != nil {
		b.Skip(err)
	}
	for name, blob := range map[string][]byte{"mixed": data, "executable": exe} {
		b.Run(name, func(b *testing.B) {
			f := NewFiles(set)
			defer f.Close()
			b.SetBytes(int64(len(blob)))
			start := cpuTime()
			for range b.N {
				if err := f.Scan("f", bytes.NewReader(blob), func(Finding) {}); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, start, int64(len(blob)))
		})
	}
}
