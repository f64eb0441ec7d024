package secrets

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchSecrets are eight secrets of the shapes builds use: pip.conf, an
// .npmrc token, .git-credentials, a docker config.json, .netrc, an AWS
// credentials file, an RSA private key and a short token.
func benchSecrets(b testing.TB) []Secret {
	all := fixtureSecrets(b)
	var out []Secret
	for _, s := range all {
		if s.ID != "ec" {
			out = append(out, s)
		}
	}
	return out
}

var words = []string{"the", "build", "layer", "install", "package", "error", "warning", "config", "python3",
	"requirements", "Downloading", "Collecting", "wheel", "setup.py", "node_modules", "npm", "info", "GET",
	"200", "OK", "/usr/lib/python3/dist-packages", "password", "token", "auth", "https://pypi.org/simple",
	"sha256:", "Step", "RUN", "COPY", "apt-get", "libssl3", "amd64", "[notice]", "-->", "{", "}", "\"name\":"}

// mixedData is what layers and logs hold: binary, text, base64 and hex,
// with a few planted secrets.
func mixedData(size int, seed uint64, plant [][]byte) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	var b bytes.Buffer
	for b.Len() < size {
		switch r.IntN(8) {
		case 0, 1: // binary
			n := 1024 + r.IntN(16<<10)
			for range n {
				b.WriteByte(byte(r.Uint32()))
			}
		case 2, 3, 4: // text
			for range 20 + r.IntN(200) {
				for range 3 + r.IntN(12) {
					b.WriteString(words[r.IntN(len(words))])
					b.WriteByte(' ')
				}
				b.WriteByte('\n')
			}
		case 5, 6: // base64 blob
			raw := make([]byte, 512+r.IntN(8<<10))
			for i := range raw {
				raw[i] = byte(r.Uint32())
			}
			s := base64.StdEncoding.EncodeToString(raw)
			for len(s) > 76 {
				b.WriteString(s[:76])
				b.WriteByte('\n')
				s = s[76:]
			}
		case 7: // hex digests, JSON-ish
			for range 10 + r.IntN(100) {
				var d [32]byte
				for i := range d {
					d[i] = byte(r.Uint32())
				}
				fmt.Fprintf(&b, "{\"digest\": \"sha256:%s\", \"size\": %d}\n", hex.EncodeToString(d[:]), r.IntN(1<<20))
			}
		}
		if len(plant) > 0 && r.IntN(64) == 0 {
			b.Write(plant[r.IntN(len(plant))])
		}
	}
	return b.Bytes()[:size]
}

func benchData(b *testing.B) (*Set, []byte) {
	secs := benchSecrets(b)
	set := NewSet(secs...)
	var plant [][]byte
	for _, p := range set.m.pats {
		plant = append(plant, p.b)
	}
	return set, mixedData(8<<20, 42, plant)
}

// BenchmarkStream is the matcher's throughput on uncompressed bytes, in
// 64 KiB writes, for eight secrets with all encodings.
func BenchmarkStream(b *testing.B) {
	set, data := benchData(b)
	n := 0
	st := set.NewStream(func(Match) { n++ })
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		st.Reset()
		for p := data; len(p) > 0; {
			k := min(len(p), 64<<10)
			_, _ = st.Write(p[:k])
			p = p[k:]
		}
	}
	if n == 0 {
		b.Fatal("no planted secret found")
	}
	b.ReportMetric(float64(set.Len()), "patterns")
}

// BenchmarkFind is the one-shot matcher over the same data.
func BenchmarkFind(b *testing.B) {
	set, data := benchData(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		set.Find(data)
	}
}

// BenchmarkRedactor redacts the same data in 4 KiB writes, like a build
// log.
func BenchmarkRedactor(b *testing.B) {
	set, data := benchData(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	var out bytes.Buffer
	out.Grow(len(data) + 1<<20)
	for range b.N {
		out.Reset()
		r := set.NewRedactor(&out)
		for p := data; len(p) > 0; {
			k := min(len(p), 4<<10)
			_, _ = r.Write(p[:k])
			p = p[k:]
		}
		_ = r.Flush()
	}
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
	for range b.N {
		if err := set.ScanTar(bytes.NewReader(layer), func(Finding) {}); err != nil {
			b.Fatal(err)
		}
	}
}
