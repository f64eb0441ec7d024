package archive

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hushbuild/hush/secrets/pattern"
)

// pipeWriter hides everything but Write, as a pipe or a socket does: what
// a streamed writer (ZipOutputStream, `jar`, zipfile to stdout) writes to.
type pipeWriter struct{ w io.Writer }

func (p pipeWriter) Write(b []byte) (int, error) { return p.w.Write(b) }

type zmember struct {
	name   string
	body   []byte
	stored bool
}

// streamedZip writes members with Go's archive/zip to a non-seekable
// writer, in order: every member has bit 3 set (sizes in a data
// descriptor after its data), stored ones included.
func streamedZip(t testing.TB, ms ...zmember) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(pipeWriter{&b})
	for _, m := range ms {
		method := zip.Deflate
		if m.stored {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(m.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// localZip writes what streamedZip cannot: descriptors without their
// signature, or with 64-bit sizes, and no central directory (a zip cut
// short, or piped before it was finished).
func localZip(t testing.TB, signed, wide bool, ms ...zmember) []byte {
	t.Helper()
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	for _, m := range ms {
		data, method := m.body, uint16(8)
		if m.stored {
			method = 0
		} else {
			var c bytes.Buffer
			fw, _ := flate.NewWriter(&c, flate.DefaultCompression)
			_, _ = fw.Write(m.body)
			_ = fw.Close()
			data = c.Bytes()
		}
		b.WriteString("PK\x03\x04")
		le(uint16(45))
		le(uint16(8)) // bit 3: sizes in the descriptor
		le(method)
		le(uint32(0)) // time, date
		le(uint32(0)) // CRC-32
		le(uint64(0)) // sizes
		le(uint16(len(m.name)))
		le(uint16(0))
		b.WriteString(m.name)
		b.Write(data)
		if signed {
			b.WriteString("PK\x07\x08")
		}
		le(crc32.ChecksumIEEE(m.body))
		if wide {
			le(uint64(len(data)))
			le(uint64(len(m.body)))
		} else {
			le(uint32(len(data)))
			le(uint32(len(m.body)))
		}
	}
	b.WriteString("PK\x01\x02" + strings.Repeat("\x00", 20)) // a directory cut short
	return b.Bytes()
}

// noise is incompressible bytes with look-alikes of a descriptor and of
// local headers in them (a descriptor's signature, sizes that do not fit).
func noise(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	for i := 1000; i+40 < n; i += 7919 {
		copy(b[i:], "PK\x07\x08\x00\x00\x00\x00\x10\x00\x00\x00\x10\x00\x00\x00PK\x03\x04")
	}
	return b
}

// fatJar is a Spring Boot fat jar as a streamed writer makes it: classes,
// stored nested jars (one with a secret in a deflated member, one bigger
// than a read window, of incompressible bytes), then the application's
// properties, deflated, after them.
func fatJar(t testing.TB, secret1, secret2 string) []byte {
	dep := streamedZip(t,
		zmember{name: "META-INF/MANIFEST.MF", body: []byte("Manifest-Version: 1.0\n")},
		zmember{name: "application.properties", body: []byte("spring.datasource.url=jdbc:x\n" + secret1)},
	)
	return streamedZip(t,
		zmember{name: "META-INF/MANIFEST.MF", body: []byte("Main-Class: org.springframework.boot.loader.launch.JarLauncher\n")},
		zmember{name: "BOOT-INF/classes/App.class", body: []byte(strings.Repeat("\xca\xfe\xba\xbe filler ", 400))},
		zmember{name: "BOOT-INF/lib/dep.jar", body: dep, stored: true},
		zmember{name: "BOOT-INF/lib/big.jar", body: noise(300<<10, 1), stored: true},
		zmember{name: "BOOT-INF/classes/application.properties", body: []byte("server.port=8080\n" + secret2)},
	)
}

// TestZipDescriptors: members with a data descriptor, walked by their local
// headers, are opened: a deflated one, a jar stored in a jar, a deflated
// one after stored ones; whether the zip is too big to hold or has no
// directory.
func TestZipDescriptors(t *testing.T) {
	defer func(z int64) { zipLimit = z }(zipLimit)
	set := pattern.NewSet(fixtureSecrets(t)...)
	jar := fatJar(t, npmrc, netrc)
	// The fixture is what it claims: every local header has bit 3 set.
	for off := 0; ; {
		i := bytes.Index(jar[off:], []byte("PK\x03\x04"))
		if i < 0 {
			break
		}
		if off += i; off+8 <= len(jar) && jar[off+6]&8 == 0 && bytes.Contains(jar[off:off+60], []byte("BOOT-INF")) {
			t.Fatalf("member at %d without a data descriptor", off)
		}
		off++
	}
	want := []string{
		"app.jar!BOOT-INF/lib/dep.jar!application.properties | content | npm/",
		"app.jar!BOOT-INF/classes/application.properties | content | netrc/",
	}
	check := func(what string, got []string) {
		t.Helper()
		for _, w := range want {
			if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
				t.Errorf("%s: no finding %q in\n%s", what, w, strings.Join(got, "\n"))
			}
		}
	}
	zipLimit = 64 << 10 // the jar is too big to hold
	check("too big to hold", scanTar(t, set, makeTar(t, entry{name: "app.jar", body: string(jar)})))
	zipLimit = MaxZipBuffer
	cut := jar[:bytes.LastIndex(jar, []byte("PK\x01\x02"))-50] // no directory
	check("no directory", scanTar(t, set, makeTar(t, entry{name: "app.jar", body: string(cut)})))
	check("held", scanTar(t, set, makeTar(t, entry{name: "app.jar", body: string(jar)})))

	// The same jar with no secret in it: nothing.
	zipLimit = 64 << 10
	if got := scanTar(t, set, makeTar(t, entry{name: "app.jar", body: string(fatJar(t, "a=b\n", "c=d\n"))})); len(got) > 0 {
		t.Errorf("clean jar: findings\n%s", strings.Join(got, "\n"))
	}
}

// TestZipDescriptorForms: descriptors with and without their signature,
// with 32- and 64-bit sizes, after stored and deflated members.
func TestZipDescriptorForms(t *testing.T) {
	set := pattern.NewSet(fixtureSecrets(t)...)
	inner := localZip(t, true, false, zmember{name: "in/.npmrc", body: []byte(npmrc)})
	for _, signed := range []bool{true, false} {
		for _, wide := range []bool{false, true} {
			z := localZip(t, signed, wide,
				zmember{name: "lib/inner.jar", body: inner, stored: true},
				zmember{name: "noise.bin", body: noise(100<<10, 2), stored: true},
				zmember{name: "a/.netrc", body: []byte(netrc), stored: true},
				zmember{name: "b/credentials", body: []byte(awsCreds)},
				zmember{name: "c/pip.conf", body: []byte(pipConf), stored: true},
			)
			got := scanTar(t, set, makeTar(t, entry{name: "x.zip", body: string(z)}))
			for _, w := range []string{
				"x.zip!lib/inner.jar!in/.npmrc | content | npm/",
				"x.zip!a/.netrc | content | netrc/",
				"x.zip!b/credentials | content | aws/",
				"x.zip!c/pip.conf | content | pip/",
			} {
				if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
					t.Errorf("signed %v, 64-bit %v: no finding %q in\n%s", signed, wide, w, strings.Join(got, "\n"))
				}
			}
		}
	}
}

// FuzzZipStream: a stored member of arbitrary bytes, with a data
// descriptor, then a deflated member holding a token: the walk must not
// panic or fail (incomplete is allowed). Unless the stored bytes hold a zip directory of their own
// (a zip reader, ours or another, may then take it for the zip's), the
// token is found; and when they hold no "PK" at all, nothing can look like
// their descriptor, so it is found in its member.
func FuzzZipStream(f *testing.F) {
	f.Add([]byte("plain"), true, false)
	f.Add(streamedZip(f, zmember{name: "a", body: []byte(npmrc)}), true, false)
	f.Add([]byte("PK\x07\x08\x00\x00\x00\x00\x05\x00\x00\x00\x05\x00\x00\x00PK\x03\x04"), false, true)
	set := pattern.NewSet(New("t", []byte(npmToken)))
	f.Fuzz(func(t *testing.T, body []byte, signed, wide bool) {
		z := localZip(t, signed, wide,
			zmember{name: "s", body: body, stored: true},
			zmember{name: "d", body: []byte("token=" + npmToken + "\n")},
		)
		var paths []string
		// Arbitrary bytes may make the scan incomplete (a member whose
		// method is not opened), never fail it otherwise.
		if err := ScanFile(set, "f", bytes.NewReader(z), func(f Finding) { paths = append(paths, f.Path) }); err != nil && !errors.Is(err, ErrIncomplete) {
			t.Fatalf("ScanFile: %v", err)
		}
		if len(paths) == 0 && !bytes.Contains(body, []byte("PK\x05\x06")) && !bytes.Contains(body, []byte("PK\x06\x06")) {
			t.Fatalf("token not found")
		}
		if !bytes.Contains(body, []byte("PK")) && !slices.Contains(paths, "f!d") {
			t.Fatalf("token not found in its member: %q", paths)
		}
	})
}

// BenchmarkScanFatJar scans a 104 MiB fat jar as a streamed writer makes
// it (26 stored library jars of 4 MiB with data descriptors, too big to
// hold, so walked by its local headers), against the same bytes scanned as
// plain bytes: what opening a big zip costs over reading it. In "jar" the
// libraries' members are deflated (inflating them is most of the cost); in
// "jar-stored" stored, which leaves the walk: finding each descriptor,
// holding and parsing each library, the raw safety net.
func BenchmarkScanFatJar(b *testing.B) {
	set := pattern.NewSet(fixtureSecrets(b)...)
	jar := func(stored bool) []byte {
		var ms []zmember
		for i := range 26 {
			lib := streamedZip(b, zmember{name: "Classes.class", body: noise(4<<20, uint64(i)), stored: stored})
			ms = append(ms, zmember{name: "BOOT-INF/lib/lib.jar", body: lib, stored: true})
		}
		ms = append(ms, zmember{name: "BOOT-INF/classes/application.properties", body: []byte("a=b\n")})
		return streamedZip(b, ms...)
	}
	blobs := map[string][]byte{"jar": jar(false), "jar-stored": jar(true)}
	blobs["plain"] = append([]byte("plain "), blobs["jar"]...)
	for _, name := range []string{"jar", "jar-stored", "plain"} {
		blob := blobs[name]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(blob)))
			start := cpuTime()
			for range b.N {
				if err := ScanFile(set, "f", bytes.NewReader(blob), func(Finding) {}); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, start, int64(len(blob)))
		})
	}
}

// TestRealWriters: zips as Python's zipfile (to a pipe) and the JDK's jar
// tool write them (testdata/zip/make.sh), held in memory and walked by
// their local headers: every member's secret is found in its member.
func TestRealWriters(t *testing.T) {
	defer func(z int64) { zipLimit = z }(zipLimit)
	set := pattern.NewSet(New("npm", []byte("npm_pipeZipFake0123456789abcdef")), New("zip64", []byte("pipeZip64Fake987654321")),
		New("nested", []byte("jdkNestedFake0123456789")), New("outer", []byte("jdkOuterFake987654321")))
	want := map[string][]string{
		"python-pipe.zip": {"f!lib/inner.jar!in/.npmrc npm", "f!app.properties zip64"},
		"jdk-fat.jar":     {"f!BOOT-INF/lib/dep.jar!app.properties nested", "f!BOOT-INF/classes/application.properties outer"},
	}
	for file, ws := range want {
		data, err := os.ReadFile(filepath.Join("testdata", "zip", file))
		if err != nil {
			t.Fatal(err)
		}
		for _, limit := range []int64{MaxZipBuffer, 1 << 10} {
			zipLimit = limit
			var got []string
			if err := ScanFile(set, "f", bytes.NewReader(data), func(f Finding) { got = append(got, f.Path+" "+f.SecretID) }); err != nil {
				t.Fatal(err)
			}
			for _, w := range ws {
				if !slices.Contains(got, w) {
					t.Errorf("%s, zip buffer %d: no %q in %q", file, limit, w, got)
				}
			}
		}
	}
}
