package pattern

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// viewSecrets reads testdata/views/secrets.txt: the values gen.sh wrote
// with real serialisers, one a line.
func viewSecrets(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("testdata/views/secrets.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// TestViewsWriters: every file gen.sh wrote (Python, Perl, Node, PHP and
// Java serialisers by default, xxd, hexdump, gzip, base64, bash) is
// found, by Find and by a Stream fed in small writes, and only through a
// view or the fast path's forms.
func TestViewsWriters(t *testing.T) {
	secs := viewSecrets(t)
	files, _ := filepath.Glob("testdata/views/out/*")
	if len(files) < 100 {
		t.Fatalf("%d files in testdata/views/out: run gen.sh", len(files))
	}
	for _, path := range files {
		name := filepath.Base(path)
		n, err := strconv.Atoi(name[:strings.IndexByte(name, '-')])
		if err != nil || n < 1 || n > len(secs) {
			t.Fatalf("%s: no secret %d", name, n)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		set := NewSet(New("s", []byte(secs[n-1])))
		found := func(ms []Match) bool {
			return slices.ContainsFunc(ms, func(m Match) bool { return m.SecretID == "s" })
		}
		if !found(set.Find(data)) {
			t.Errorf("%s: Find misses the secret", name)
			continue
		}
		for _, size := range []int{1, 7, 64, 4096} {
			var ms []Match
			st := set.NewStream(func(m Match) { ms = append(ms, m) })
			for p := data; len(p) > 0; {
				k := min(size, len(p))
				_, _ = st.Write(p[:k])
				p = p[k:]
			}
			if !found(ms) {
				t.Errorf("%s: a Stream in writes of %d misses the secret", name, size)
			}
			if err := st.Err(); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
}

// TestViewsFailClosed: a compressed stream inside an encoded run that
// does not decode, and a window whose decoding outgrows its budget, make
// the scan incomplete; the error names no value.
func TestViewsFailClosed(t *testing.T) {
	const canary = "hushcanary-views-5c1e07b2"
	set := NewSet(New("c", []byte(canary)))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(strings.Repeat("password="+canary+"\n", 20)))
	_ = zw.Close()
	good := gz.Bytes()
	bad := slices.Clone(good)
	bad[len(bad)/2] ^= 0xff // the deflate data
	nested := []byte(canary)
	for range 3 {
		nested = []byte(base64.StdEncoding.EncodeToString([]byte(strconv.Quote(string(nested)))))
	}
	tests := []struct {
		name       string
		data       []byte
		incomplete bool
		found      bool
	}{
		{"gzip in base64", []byte("data: " + base64.StdEncoding.EncodeToString(good) + "\n"), false, true},
		{"corrupt gzip in base64", []byte("data: " + base64.StdEncoding.EncodeToString(bad) + "\n"), true, false},
		{"three levels", nested, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ms []Match
			st := set.NewStream(func(m Match) { ms = append(ms, m) })
			_, _ = st.Write(tt.data)
			err := st.Err()
			if (err != nil) != tt.incomplete || err != nil && !errors.Is(err, ErrIncomplete) {
				t.Errorf("Err() = %v, want incomplete %v", err, tt.incomplete)
			}
			if err != nil && strings.Contains(err.Error(), canary) {
				t.Errorf("the error holds the value")
			}
			if (len(ms) > 0) != tt.found {
				t.Errorf("matches %v, want found %v", ms, tt.found)
			}
		})
	}
	// A budget: views of views of a window cost at most viewGrowth
	// times its size; a window can be made to cost more.
	var st Stream
	st.vw = newViewer(set.m)
	st.m = set.m
	st.vw.c.budget = 0
	if !st.vw.c.spend(0) || st.vw.c.spend(1) || !errors.Is(st.vw.c.err, ErrIncomplete) {
		t.Errorf("spend past the budget: %v", st.vw.c.err)
	}
}

// TestViewsRedact: a log line holding the secret as a serialiser wrote it
// comes out of a Redactor without the secret, in any of the forms.
func TestViewsRedact(t *testing.T) {
	secs := viewSecrets(t)
	for _, name := range []string{"1-py-json", "1-php-json", "1-perl-dumper-qq", "1-java-properties", "1-py-quote", "1-node-escape", "2-py-b64-json", "3-bash-printf-q", "3-php-htmlentities"} {
		data, err := os.ReadFile("testdata/views/out/" + name)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.Atoi(name[:1])
		set := NewSet(New("s", []byte(secs[n-1])))
		var out bytes.Buffer
		r := set.NewRedactor(&out)
		_, _ = r.Write([]byte("step 3: "))
		_, _ = r.Write(append(data, '\n'))
		_ = r.Close()
		if ms := set.Find(out.Bytes()); len(ms) > 0 {
			t.Errorf("%s: the redacted log still holds the secret: %v", name, ms)
		}
		if !strings.Contains(out.String(), "****") {
			t.Errorf("%s: nothing redacted", name)
		}
	}
}
