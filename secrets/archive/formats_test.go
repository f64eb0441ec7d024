package archive

import (
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"

	"github.com/hushbuild/hush/secrets/pattern"
)

func xzOf(t testing.TB, p []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := xz.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(p)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zlibOf(t testing.TB, p []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	_, _ = w.Write(p)
	_ = w.Close()
	return b.Bytes()
}

// gitPack is a v2 packfile of blobs, as git gc writes after a token was
// committed and its work file removed, and an offset delta against the last.
func gitPack(t testing.TB, blobs ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("PACK")
	_ = binary.Write(&b, binary.BigEndian, uint32(2))
	_ = binary.Write(&b, binary.BigEndian, uint32(len(blobs)+1))
	obj := func(typ byte, head []byte, body []byte) {
		n := len(body)
		c := typ<<4 | byte(n&15)
		n >>= 4
		for n > 0 {
			b.WriteByte(c | 0x80)
			c = byte(n & 0x7f)
			n >>= 7
		}
		b.WriteByte(c)
		b.Write(head)
		b.Write(zlibOf(t, body))
	}
	last := 0
	for _, blob := range blobs {
		last = b.Len()
		obj(3, nil, []byte(blob))
	}
	// An offset delta against the last blob: its size, the result's,
	// one insert.
	base := blobs[len(blobs)-1]
	ofs := b.Len() - last
	var ob []byte
	ob = append(ob, byte(ofs&0x7f))
	for ofs >>= 7; ofs > 0; ofs >>= 7 {
		ofs--
		ob = append([]byte{0x80 | byte(ofs&0x7f)}, ob...)
	}
	obj(6, ob, append(binary.AppendUvarint(nil, uint64(len(base))), "\x05\x05delta"...))
	sum := sha1.Sum(b.Bytes())
	b.Write(sum[:])
	return b.Bytes()
}

// TestScanFormats: xz (a tar.xz), a git loose object and packfile, a zip
// behind a shebang (zipapp, pex), a self-extractor (a shell stub and a
// tar.gz), an ELF with a zip appended, a docker save tarball of gzip
// layers inside a tar.gz; and their look-alikes without the secret.
func TestScanFormats(t *testing.T) {
	set := pattern.NewSet(fixtureSecrets(t)...)
	tarOf := func(name, body string) []byte { return makeTar(t, entry{name: name, body: body}) }
	dockerSave := makeTar(t,
		entry{name: "manifest.json", body: `[{"Layers":["abc/layer.tar"]}]`},
		entry{name: "abc/layer.tar", body: string(gz(t, "", makeTar(t, entry{name: "app/deps.tgz", body: string(gz(t, "", tarOf("pkg/.npmrc", npmrc)))})))},
	)
	cases := map[string]struct {
		body string
		want string // a finding's "path | field | secret/frag/enc" prefix; "" for none
	}{
		"app.tar.xz":              {string(xzOf(t, tarOf("etc/pip.conf", pipConf))), "app.tar.xz!etc/pip.conf | content | pip/"},
		"objects/ab/cdef":         {string(zlibOf(t, []byte("blob 120\x00"+gitCreds))), "objects/ab/cdef | content | git/value/raw"},
		"objects/pack/p.pack":     {string(gitPack(t, "readme\n", netrc)), "objects/pack/p.pack | content | netrc/"},
		"bin/tool.pyz":            {"#!/usr/bin/env python3\n" + string(makeZip(t, map[string]string{"__main__.py": "print(1)\n", "cfg/credentials": awsCreds}, false)), "bin/tool.pyz!cfg/credentials | content | aws/"},
		"install.sh":              {"#!/bin/sh\ntail -c +5 \"$0\" | tar xz\nexit 0\n" + string(gz(t, "", tarOf("home/.npmrc", npmrc))), "install.sh!home/.npmrc | content | npm/"},
		"bin/elf":                 {"\x7fELF\x02\x01\x01" + strings.Repeat("\x00PK\x03\x04\xff", 50) + string(makeZip(t, map[string]string{"x/.netrc": netrc}, false)), "bin/elf!x/.netrc | content | netrc/"},
		"images/app.tar.gz":       {string(gz(t, "", dockerSave)), "images/app.tar.gz!abc/layer.tar!app/deps.tgz!pkg/.npmrc | content | npm/"},
		"clean.pyz":               {"#!/usr/bin/env python3\n" + string(makeZip(t, map[string]string{"__main__.py": "print('no secret here')\n"}, false)), ""},
		"clean.tar.xz":            {string(xzOf(t, tarOf("README", "nothing"))), ""},
		"not-zlib.txt":            {"x^ is how this line starts, and it is text\n", ""},
		"objects/pack/clean.pack": {string(gitPack(t, "readme\n", "more text\n")), ""},
	}
	var es []entry
	for name, c := range cases {
		es = append(es, entry{name: name, body: c.body})
	}
	got := scanTar(t, set, makeTar(t, es...))
	for name, c := range cases {
		if c.want == "" {
			for _, g := range got {
				if strings.HasPrefix(g, name+" ") || strings.HasPrefix(g, name+"!") {
					t.Errorf("look-alike %s: finding %q", name, g)
				}
			}
			continue
		}
		if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, c.want) }) {
			t.Errorf("%s: no finding %q in\n%s", name, c.want, strings.Join(got, "\n"))
		}
	}
}

// TestScanBigZip: a zip over the in-memory buffer (a fat jar) is walked by
// its local headers: deflated members with data descriptors, stored
// members with sizes, nested jars.
func TestScanBigZip(t *testing.T) {
	defer func(z int64) { zipLimit = z }(zipLimit)
	zipLimit = 1 << 10
	set := pattern.NewSet(fixtureSecrets(t)...)
	inner := makeZip(t, map[string]string{"application.properties": "spring.datasource.password=x\n" + npmrc}, false)
	fat := makeZip(t, map[string]string{
		"BOOT-INF/classes/app.class": strings.Repeat("\xca\xfe\xba\xbe filler ", 400),
		"BOOT-INF/lib/dep.jar":       string(inner),
		"BOOT-INF/classes/.netrc":    netrc,
	}, false)
	got := strings.Join(scanTar(t, set, makeTar(t, entry{name: "app.jar", body: string(fat)})), "\n")
	for _, w := range []string{"app.jar!BOOT-INF/lib/dep.jar!application.properties | content | npm/", "app.jar!BOOT-INF/classes/.netrc | content | netrc/"} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in\n%s", w, got)
		}
	}
}

// FuzzScanFormats: the new decoders (xz, zlib, git packs, local-header
// zips, prefixed archives) on arbitrary bytes must not panic or fail
// (incomplete is allowed: they may be cut short), and
// a secret stored as is after them is found.
func FuzzScanFormats(f *testing.F) {
	f.Add(xzOf(f, []byte(npmrc)))
	f.Add(zlibOf(f, []byte(npmrc)))
	f.Add(gitPack(f, npmrc))
	f.Add(append([]byte("#!/bin/sh\n"), makeZip(f, map[string]string{"a": npmrc}, false)...))
	f.Add(append([]byte("\x7fELF"), gz(f, "", []byte(npmrc))...))
	f.Add([]byte("!<arch>\ndebian-binary   0           0     0     100644  4         `\n2.0\n"))
	f.Add([]byte("070701" + strings.Repeat("0", 88) + "00000002" + "00000000" + "a\x00"))
	set := pattern.NewSet(New("t", []byte(npmToken)))
	f.Fuzz(func(t *testing.T, data []byte) {
		in := append(append([]byte{}, data...), " "+npmToken...)
		found := false
		if err := ScanFile(set, "f", bytes.NewReader(in), func(Finding) { found = true }); err != nil && !errors.Is(err, ErrIncomplete) {
			t.Fatalf("ScanFile: %v", err)
		}
		if !found {
			t.Fatalf("token after %d arbitrary bytes not found", len(data))
		}
	})
}

// BenchmarkScanCompressed scans the same 8 MiB of mixed content as one
// file compressed each way, to say what opening xz, zlib and a big zip
// costs against gzip (MB/s of uncompressed bytes); -streamed: walked by
// its local headers, as a zip too big to hold is.
func BenchmarkScanCompressed(b *testing.B) {
	set := pattern.NewSet(fixtureSecrets(b)...)
	data := mixedData(8<<20, 3, nil)
	forms := map[string][]byte{
		"gzip": gz(b, "", data),
		"xz":   xzOf(b, data),
		"zlib": zlibOf(b, data),
		"zip":  makeZip(b, map[string]string{"big": string(data)}, false),
		// Stored with a data descriptor, as a nested jar in a fat jar
		// written to a stream: the walk looks for the descriptor.
		"zip-stored": makeZip(b, map[string]string{"big": string(data)}, true),
	}
	for _, name := range []string{"gzip", "xz", "zlib", "zip", "zip-streamed", "zip-stored", "zip-stored-streamed"} {
		blob := forms[strings.TrimSuffix(name, "-streamed")]
		b.Run(name, func(b *testing.B) {
			if strings.HasSuffix(name, "-streamed") {
				defer func(z int64) { zipLimit = z }(zipLimit)
				zipLimit = 1 << 20
			}
			b.SetBytes(int64(len(data)))
			start := cpuTime()
			for range b.N {
				if err := ScanFile(set, "f", bytes.NewReader(blob), func(Finding) {}); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, start, int64(len(data)))
		})
	}
}
