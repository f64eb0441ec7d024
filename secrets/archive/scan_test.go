package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/hushbuild/hush/secrets/pattern"
)

type entry struct {
	name, link, body string
	typ              byte
	pax              map[string]string
}

func makeTar(t testing.TB, es ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: 0o644, Size: int64(len(e.body)), PAXRecords: e.pax}
		if e.typ == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		if e.pax != nil {
			h.Format = tar.FormatPAX
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			_, _ = tw.Write([]byte(e.body))
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gz(t testing.TB, name string, p []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Name = name
	_, _ = w.Write(p)
	_ = w.Close()
	return b.Bytes()
}

func makeZip(t testing.TB, files map[string]string, store bool) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		m := zip.Deflate
		if store {
			m = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: m})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(files[n]))
	}
	_ = zw.Close()
	return b.Bytes()
}

func zst(t testing.TB, p []byte) []byte {
	t.Helper()
	e, _ := zstd.NewWriter(nil)
	return e.EncodeAll(p, nil)
}

// summary is a finding without offsets, for comparing sets of findings.
func summary(f Finding) string {
	return f.Path + " | " + f.Field + " | " + f.SecretID + "/" + f.Fragment + "/" + f.Encoding
}

func scanTar(t *testing.T, set *pattern.Set, layer []byte) []string {
	t.Helper()
	var got []string
	if err := ScanTar(set, bytes.NewReader(layer), func(f Finding) { got = append(got, summary(f)) }); err != nil {
		t.Fatalf("ScanTar: %v", err)
	}
	return got
}

func TestScanTar(t *testing.T) {
	set := pattern.NewSet(fixtureSecrets(t)...)
	inner := makeTar(t, entry{name: "inner/.npmrc", body: npmrc}, entry{name: "inner/readme", body: "nothing"})
	nestedZip := makeZip(t, map[string]string{"deep/.netrc": netrc}, true)
	zipped := makeZip(t, map[string]string{
		"cfg/credentials":          awsCreds,
		"notes-" + shortToken:      "file name only",
		"lib/nested.zip":           string(nestedZip),
		"lib/docs.txt":             strings.Repeat("harmless text ", 100),
		"lib/pip.conf.gz.tar.gz":   string(gz(t, "", makeTar(t, entry{name: "p.conf", body: pipConf}))),
		"lib/unrelated/deflated.x": strings.Repeat("a", 1000) + gitToken,
	}, false)
	dockerB64 := base64.StdEncoding.EncodeToString([]byte(dockerConfig()))
	layer := makeTar(t,
		entry{name: "etc/", typ: tar.TypeDir},
		entry{name: "etc/hostname", body: "box\n"},
		entry{name: "root/.git-credentials", body: gitCreds},
		entry{name: "app/deps.tar.gz", body: string(gz(t, "deps.tar", inner))},
		entry{name: "app/bundle.zip", body: string(zipped)},
		entry{name: "app/cfg.zst", body: string(zst(t, []byte("k8s: "+dockerB64)))},
		entry{name: "tokens/" + gitToken + "/", typ: tar.TypeDir},
		entry{name: "tokens/" + gitToken + "/a", body: "x"},
		entry{name: "tokens/" + gitToken + "/b", body: "y"},
		entry{name: "app/link", link: "/run/secrets/" + npmToken, typ: tar.TypeSymlink},
		entry{name: "app/hard", link: "root/.git-credentials", typ: tar.TypeLink},
		entry{name: "app/xattr", body: "z", pax: map[string]string{"SCHILY.xattr.user.note": netrcPass}},
		entry{name: "app/gzname", body: string(gz(t, "backup-"+shortToken, []byte("plain")))},
	)
	got := scanTar(t, set, layer)
	want := []string{
		"root/.git-credentials | content | git/value/raw",
		"app/deps.tar.gz!inner/.npmrc | content | npm/value/raw",
		"app/bundle.zip!cfg/credentials | content | aws/value/raw",
		"app/bundle.zip!notes-**** | name | short/value/raw",
		"app/bundle.zip!lib/nested.zip!deep/.netrc | content | netrc/value/raw",
		"app/bundle.zip!lib/pip.conf.gz.tar.gz!p.conf | content | pip/value/raw",
		"app/bundle.zip!lib/unrelated/deflated.x | content | git/url-password/raw",
		"app/cfg.zst | content | docker/value/base64",
		"tokens/****/ | name | git/url-password/raw",
		"app/link | linkname | npm/authtoken/raw",
		"app/xattr | pax SCHILY.xattr.user.note | netrc/key-value/raw",
		"app/gzname | comment | short/value/raw",
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing finding %q", w)
		}
	}
	for _, g := range got {
		if strings.HasPrefix(g, "tokens/****/a") || strings.HasPrefix(g, "tokens/****/b") {
			t.Errorf("directory hit repeated for a file below it: %q", g)
		}
		if strings.Contains(g, gitToken) || strings.Contains(g, shortToken) {
			t.Errorf("finding path shows a secret: %q", g)
		}
		if strings.HasPrefix(g, "etc/") || strings.HasPrefix(g, "app/hard") {
			t.Errorf("unexpected finding %q", g)
		}
	}
	if t.Failed() {
		t.Logf("got:\n%s", strings.Join(got, "\n"))
	}
}

// TestScanFallback scans corrupt archives as plain bytes, without an
// error.
func TestScanFallback(t *testing.T) {
	set := pattern.NewSet(fixtureSecrets(t)...)
	within := []byte("shallow: " + npmToken)
	for range MaxNesting - 1 {
		within = gz(t, "", within)
	}
	corrupt := append(gz(t, "", []byte("ok")), "\x1f\x8b\x08\x00garbage "+gitToken+" more"...)
	badTar := append(make([]byte, 0, 1024), makeTar(t, entry{name: "a", body: "x"})[:512]...)
	badTar = append(badTar, "junk\n"+netrc...)
	for len(badTar)%512 != 0 {
		badTar = append(badTar, 'z')
	}
	z := makeZip(t, map[string]string{"a": awsCreds}, true)
	zipWithoutDirectory := z[:len(z)-40]
	layer := makeTar(t,
		entry{name: "within.gz", body: string(within)},
		entry{name: "corrupt.gz", body: string(corrupt)},
		entry{name: "bad.tar", body: "x" + string(badTar)},
		entry{name: "bad2.tar", body: string(badTar)},
		entry{name: "truncated.zip", body: string(zipWithoutDirectory)},
		entry{name: "appended.tar", body: string(makeTar(t, entry{name: "a", body: "x"})) + "trailing " + gitCreds},
	)
	got := scanTar(t, set, layer)
	for _, w := range []string{
		"within.gz | content | npm/authtoken/raw",
		"corrupt.gz | content | git/url-password/raw",
		"bad.tar | content | netrc/line/raw",
		// Walked by its local headers: the stored member ends at its
		// data descriptor.
		"truncated.zip!a | content | aws/key-value/raw",
		"appended.tar | content | git/value/raw",
	} {
		if !slices.Contains(got, w) {
			t.Errorf("missing finding %q in\n%s", w, strings.Join(got, "\n"))
		}
	}
}

func TestScanFile(t *testing.T) {
	set := pattern.NewSet(fixtureSecrets(t)...)
	var got []Finding
	err := ScanFile(set, "/home/u/"+npmToken+".bak", bytes.NewReader(gz(t, "x", []byte(netrc))), func(f Finding) { got = append(got, f) })
	if err != nil {
		t.Fatal(err)
	}
	var sum []string
	for _, f := range got {
		sum = append(sum, summary(f))
		if f.Field == "name" && (!f.InName || f.Offset != int64(len("/home/u/"))) {
			t.Errorf("name finding %v: InName %v, offset %d", f, f.InName, f.Offset)
		}
	}
	for _, w := range []string{"/home/u/****.bak | name | npm/authtoken/raw", "/home/u/****.bak | content | netrc/value/raw"} {
		if !slices.Contains(sum, w) {
			t.Errorf("missing %q in %q", w, sum)
		}
	}
}

type failingReader struct{ r io.Reader }

func (f failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, io.ErrClosedPipe
	}
	return n, err
}

// TestScanSourceErrors wants the caller's read errors back, from a layer
// and from inside a nested archive, and ignores a nested archive's own.
func TestScanSourceErrors(t *testing.T) {
	set := pattern.NewSet(fixtureSecrets(t)...)
	layer := makeTar(t, entry{name: "a.tar.gz", body: string(gz(t, "", makeTar(t, entry{name: "x", body: strings.Repeat("y", 9000)})))})
	// Cuts in a header and in the gzip member. (archive/tar takes a cut in
	// the padding after the last member for the end of the archive; all
	// content has been read by then.)
	for _, cut := range []int{100, 530, 600, 620} {
		err := ScanTar(set, io.LimitReader(bytes.NewReader(layer), int64(cut)), func(Finding) {})
		if err == nil {
			t.Errorf("truncated at %d: no error", cut)
		}
		err = ScanTar(set, failingReader{io.LimitReader(bytes.NewReader(layer), int64(cut))}, func(Finding) {})
		if err == nil || !strings.Contains(err.Error(), io.ErrClosedPipe.Error()) {
			t.Errorf("failing at %d: %v, want the reader's error", cut, err)
		}
	}
	if err := ScanFile(set, "f", failingReader{strings.NewReader("abc")}, func(Finding) {}); err == nil {
		t.Errorf("ScanFile of a failing reader: no error")
	}
}

// TestScanLimits lowers the zip buffer and the decompression budget: a zip
// over the buffer is walked by its local headers; a stream past the budget
// is not opened and the scan is incomplete.
func TestScanLimits(t *testing.T) {
	defer func(z, e, r int64) { zipLimit, expandLimit, expandRatio = z, e, r }(zipLimit, expandLimit, expandRatio)
	set := pattern.NewSet(fixtureSecrets(t)...)
	// Text that deflates to more than the lowered limit, in Huffman
	// blocks (random bytes would be stored as they are).
	var words []string
	for i := range 600 {
		words = append(words, strconv.Itoa(i*7919%1000))
	}
	pad := strings.Join(words, " ") + "\n"
	stored := makeZip(t, map[string]string{"a": pad + awsCreds}, true)
	deflated := makeZip(t, map[string]string{"a": pad + awsCreds}, false)
	bomb := gz(t, "", []byte(strings.Repeat("0", 1<<20)+npmrc))
	layer := makeTar(t,
		entry{name: "stored.zip", body: string(stored)},
		entry{name: "deflated.zip", body: string(deflated)},
		entry{name: "bomb.gz", body: string(bomb)},
	)
	zipLimit, expandLimit, expandRatio = 512, 1<<19, 0
	var found []string
	err := ScanTar(set, bytes.NewReader(layer), func(f Finding) { found = append(found, summary(f)) })
	if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "bomb.gz") {
		t.Errorf("past the budget: error %v, want ErrIncomplete naming bomb.gz", err)
	}
	got := strings.Join(found, "\n")
	// Zips over the buffer are walked by their local headers (a stored
	// member with a data descriptor, as Go writes them, too).
	for _, w := range []string{"stored.zip!a | content | aws/value/raw", "deflated.zip!a | content | aws/value/raw"} {
		if !strings.Contains(got, w) {
			t.Errorf("zip over the buffer: missing %q in\n%s", w, got)
		}
	}
	if strings.Contains(got, "bomb.gz") {
		t.Errorf("found past the budget (the limit is not applied?):\n%s", got)
	}
	zipLimit, expandLimit, expandRatio = MaxZipBuffer, MaxExpansion, ExpansionRatio
	got = strings.Join(scanTar(t, set, layer), "\n")
	for _, w := range []string{"stored.zip!a | content", "deflated.zip!a | content", "bomb.gz | content | npm"} {
		if !strings.Contains(got, w) {
			t.Errorf("within the limits, missing %q in:\n%s", w, got)
		}
	}
}

// FuzzScanFile feeds arbitrary bytes, seeded with archives, to ScanFile:
// it must not panic, fail or lose a secret stored as is after the archive.
func FuzzScanFile(f *testing.F) {
	f.Add(gz(f, "n", []byte(npmrc)))
	f.Add(makeZip(f, map[string]string{"a": npmrc}, false))
	f.Add(makeTar(f, entry{name: "a", body: npmrc}))
	f.Add(zst(f, []byte(npmrc)))
	set := pattern.NewSet(New("t", []byte(npmToken)))
	f.Fuzz(func(t *testing.T, data []byte) {
		in := append(append([]byte{}, data...), " "+npmToken...)
		found := false
		err := ScanFile(set, "f", bytes.NewReader(in), func(Finding) { found = true })
		if err != nil {
			t.Fatalf("ScanFile: %v", err)
		}
		if !found {
			t.Fatalf("token after %d arbitrary bytes not found", len(data))
		}
	})
}

// TestScanTooDeep: compressed levels past MaxNesting are not opened, and
// the scan says it is incomplete (the guard refuses rather than passes);
// a plain tar that deep is its own content and is no reason.
func TestScanTooDeep(t *testing.T) {
	set := pattern.NewSet(fixtureSecrets(t)...)
	nested := []byte("deep: " + npmToken)
	for range MaxNesting + 1 {
		nested = gz(t, "", nested)
	}
	var got []string
	err := ScanTar(set, bytes.NewReader(makeTar(t, entry{name: "too-deep.gz", body: string(nested)})), func(f Finding) { got = append(got, summary(f)) })
	if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "too-deep.gz") {
		t.Errorf("too deep: error %v, want ErrIncomplete naming the file", err)
	}
	err = ScanFile(set, "f.gz", bytes.NewReader(nested), func(Finding) {})
	if !errors.Is(err, ErrIncomplete) {
		t.Errorf("ScanFile too deep: error %v, want ErrIncomplete", err)
	}
	deepTar := makeTar(t, entry{name: "x", body: npmrc})
	for range MaxNesting + 1 {
		deepTar = makeTar(t, entry{name: "t.tar", body: string(deepTar)})
	}
	if err := ScanTar(set, bytes.NewReader(deepTar), func(Finding) {}); err != nil {
		t.Errorf("deep plain tars: %v", err)
	}
	within := []byte("shallow: " + npmToken)
	for range MaxNesting - 1 {
		within = gz(t, "", within)
	}
	if got := scanTar(t, set, makeTar(t, entry{name: "w.gz", body: string(within)})); len(got) == 0 {
		t.Errorf("%d levels: nothing found", MaxNesting-1)
	}
}
