package corpus

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// sh runs a bash script in dir with env added. Values reach tools only
// through files and pipes named by env (never a command line); stdout is
// returned, stderr goes into the error.
func sh(dir, script string, env []string) ([]byte, error) {
	cmd := exec.Command("bash", "-eo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%w: %s", err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}

// program is one batch writer: a program of testdata run once over every
// payload ($SRC), writing $DST/LANG-NAME/PAYLOAD for each of its
// serialisers.
type program struct {
	lang   string
	needs  []string
	script string
}

var programs = []program{
	{"python", []string{"python3"}, `python3 write.py "$SRC" "$DST"`},
	{"perl", []string{"perl"}, `perl write.pl "$SRC" "$DST"`},
	{"node", []string{"node"}, `node write.js "$SRC" "$DST"`},
	// Single-file source launch: no javac step, one JVM.
	{"java", []string{"java"}, `java Write.java "$SRC" "$DST"`},
	{"php", []string{"php"}, `php write.php "$SRC" "$DST"`},
	// Debian packages no .NET SDK; Mono's compiler and class library
	// are the .NET it has.
	{"dotnet", []string{"mcs", "mono"}, `d=$(mktemp -d); mcs -nologo -r:System.Web.Extensions -r:System.Web -out:$d/Write.exe Write.cs && mono $d/Write.exe "$SRC" "$DST"; rc=$?; rm -rf $d; exit $rc`},
}

// tool is a writer run once per payload: $IN the payload, $OUT where to
// write (a file, or a directory: a git repository). keyOnly writers apply to the PEM
// private keys openssl reads.
type tool struct {
	name    string
	needs   []string
	script  string
	keyOnly bool
}

// gitHistory commits a config file holding the payload, then the same file
// with its credential rotated (hex digits changed) and more settings. Once
// packed, git keeps the larger, newer blob whole and the old one as a
// delta of it: the payload's structure becomes copy opcodes, and only its
// random runs are inserted bytes, with opcodes between them.
const gitHistory = `mkdir -p "$OUT" && cd "$OUT" && git init -q && git config user.email ci@example.internal && git config user.name ci
for i in $(seq 1 120); do echo "setting_$i = value number $i of the service configuration"; done > top
{ cat top; cat "$IN"; cat top; } > app.conf && git add app.conf && git commit -qm "add config"
{ cat top; tr 0-9a-f a-f0-9 < "$IN"; cat top; echo "timeout = 30"; } > app.conf && git commit -qam "rotate the credential" && rm top
`

// gitDelta fails unless the old blob is stored as a delta.
const gitDelta = `git gc -q --aggressive && test -z "$(ls .git/objects | grep -v -e pack -e info)"
old=$(git rev-parse HEAD~1:app.conf)
git verify-pack -v .git/objects/pack/*.idx | awk -v o=$old '$1 == o && NF == 7 {d=1} END {exit !d}' || { echo "the old blob is not a delta" >&2; exit 1; }
`

var tools = []tool{
	{name: "raw", script: `cp "$IN" "$OUT"`},
	{name: "base64", needs: []string{"base64"}, script: `base64 < "$IN" > "$OUT"`},
	{name: "base64-w0", needs: []string{"base64"}, script: `base64 -w0 < "$IN" > "$OUT"`},
	{name: "basenc-base64url", needs: []string{"basenc"}, script: `basenc --base64url < "$IN" > "$OUT"`},
	{name: "basenc-base16", needs: []string{"basenc"}, script: `basenc --base16 < "$IN" > "$OUT"`},
	{name: "basenc-base32", needs: []string{"basenc"}, script: `basenc --base32 < "$IN" > "$OUT"`},
	{name: "openssl-base64", needs: []string{"openssl"}, script: `openssl enc -base64 -in "$IN" -out "$OUT"`},
	{name: "xxd", needs: []string{"xxd"}, script: `xxd < "$IN" > "$OUT"`},
	{name: "xxd-i", needs: []string{"xxd"}, script: `xxd -i < "$IN" > "$OUT"`},
	{name: "xxd-p", needs: []string{"xxd"}, script: `xxd -p < "$IN" > "$OUT"`},
	{name: "od-tx1", needs: []string{"od"}, script: `od -An -tx1 < "$IN" > "$OUT"`},
	{name: "gzip", needs: []string{"gzip"}, script: `gzip -c < "$IN" > "$OUT"`},
	{name: "bzip2", needs: []string{"bzip2"}, script: `bzip2 -c < "$IN" > "$OUT"`},
	{name: "xz", needs: []string{"xz"}, script: `xz -c < "$IN" > "$OUT"`},
	{name: "zstd", needs: []string{"zstd"}, script: `zstd -q -c < "$IN" > "$OUT"`},
	// Streams the scanner must refuse if it cannot read them (fail
	// closed): an xz BCJ filter, a gzip cut short (its last 12 bytes).
	// (zstd --long=31 is left out: each compression takes 2 GiB of memory.)
	{name: "xz-bcj", needs: []string{"xz"}, script: `xz --x86 --lzma2 -c < "$IN" > "$OUT"`},
	{name: "gzip-truncated", needs: []string{"gzip"}, script: `gzip -c < "$IN" | head -c -12 > "$OUT"`},
	{name: "brotli", needs: []string{"brotli"}, script: `brotli -c < "$IN" > "$OUT"`},
	{name: "gpg-store", needs: []string{"gpg"}, script: `export GNUPGHOME=$(mktemp -d); gpg -q --batch --store -o "$OUT" "$IN"; rm -rf "$GNUPGHOME"`},
	{name: "gpg-store-armor", needs: []string{"gpg"}, script: `export GNUPGHOME=$(mktemp -d); gpg -q --batch --armor --store -o "$OUT" "$IN"; rm -rf "$GNUPGHOME"`},
	// The escaping a value gets before it goes into a sed replacement.
	{name: "sed-escape", needs: []string{"sed"}, script: `sed -e 's/[\/&]/\\&/g' < "$IN" > "$OUT"`},
	// A C string literal, lines joined with \n, as generated headers hold.
	{name: "awk-c-string", needs: []string{"awk"}, script: `awk 'BEGIN{printf "const char *value = \""} {gsub(/\\/,"\\\\"); gsub(/"/,"\\\""); printf "%s\\n", $0} END{print "\";"}' < "$IN" > "$OUT"`},
	{name: "printf-q", script: `v=$(cat "$IN"); printf 'VALUE=%q\n' "$v" > "$OUT"`},
	{name: "git-loose", needs: []string{"git"}, script: gitHistory},
	{name: "git-gc-delta", needs: []string{"git"}, script: gitHistory + gitDelta},
	{name: "dpkg-deb", needs: []string{"dpkg-deb"}, script: `d=$(mktemp -d); mkdir -p $d/DEBIAN $d/etc/app
printf 'Package: app-config\nVersion: 1.0\nArchitecture: all\nMaintainer: ci <ci@example.internal>\nDescription: config\n' > $d/DEBIAN/control
cp "$IN" $d/etc/app/app.conf; dpkg-deb --root-owner-group -b $d "$OUT" >/dev/null; rm -rf $d`},
	{name: "cpio-newc", needs: []string{"cpio"}, script: `d=$(mktemp -d); cp "$IN" $d/app.conf; (cd $d && echo app.conf | cpio -o -H newc --quiet) > "$OUT"; rm -rf $d`},
	{name: "cpio-initramfs", needs: []string{"cpio", "gzip"}, script: `d=$(mktemp -d); mkdir $d/etc; cp "$IN" $d/etc/app.conf; (cd $d && find . | cpio -o -H newc --quiet | gzip) > "$OUT"; rm -rf $d`},
	{name: "rpm", needs: []string{"rpmbuild"}, script: `top=$(mktemp -d); mkdir -p $top/SPECS
printf 'Name: app-config\nVersion: 1\nRelease: 1\nSummary: config\nLicense: MIT\nBuildArch: noarch\n%%description\nconfig\n%%install\nmkdir -p %%{buildroot}/etc/app\ncp %%{getenv:IN} %%{buildroot}/etc/app/app.conf\n%%files\n/etc/app/app.conf\n' > $top/SPECS/app.spec
rpmbuild -bb --define "_topdir $top" --define '__os_install_post %{nil}' $top/SPECS/app.spec >/dev/null 2>&1 || { rpmbuild -bb --define "_topdir $top" $top/SPECS/app.spec >&2; exit 1; }
cp $top/RPMS/noarch/*.rpm "$OUT"; rm -rf $top`},
	{name: "openssl-der", needs: []string{"openssl"}, keyOnly: true, script: `openssl pkey -in "$IN" -outform DER -out "$OUT"`},
	{name: "openssl-pkcs12", needs: []string{"openssl"}, keyOnly: true, script: `d=$(mktemp -d)
openssl req -new -x509 -key "$IN" -subj /CN=ci.example.internal -days 2 -out $d/cert.pem 2>/dev/null
openssl pkcs12 -export -inkey "$IN" -in $d/cert.pem -keypbe NONE -certpbe NONE -nomac -passout pass: -out "$OUT"; rm -rf $d`},
}

// wrapper wraps one writer's output file again: $IN the writer's output,
// $OUT the wrapped file. text wrappers read their input as UTF-8.
type wrapper struct {
	name   string
	needs  []string
	text   bool
	python bool // a mode of testdata/wrap.py
	script string
}

// selfExtract is the head of a self-extracting installer (makeself's shape):
// a script, then an archive from the offset its tail names.
const selfExtract = `d=$(mktemp -d); cp "$IN" $d/app.conf
{ printf '#!/bin/sh\n# self-extracting installer\ntail -n +6 "$0" | %s | tar x -C /opt\nexit 0\n\n'; tar -C $d -c app.conf | %s; } > "$OUT"; rm -rf $d`

var wrappers = []wrapper{
	{name: "none"},
	{name: "gzip-base64", needs: []string{"gzip", "base64"}, script: `gzip -c < "$IN" | base64 > "$OUT"`},
	{name: "base64-hex", needs: []string{"base64", "xxd"}, script: `base64 -w0 < "$IN" | xxd -p > "$OUT"`},
	// Python's wrappers run in one interpreter (testdata/wrap.py).
	{name: "yaml-in-json", needs: []string{"python3"}, text: true, python: true},
	{name: "k8s-secret", needs: []string{"python3"}, python: true},
	{name: "tar-gz", needs: []string{"tar", "gzip"}, script: `d=$(mktemp -d); cp "$IN" $d/app.conf; tar -C $d -czf "$OUT" app.conf; rm -rf $d`},
	{name: "zip", needs: []string{"zip"}, script: `d=$(mktemp -d); cp "$IN" $d/app.conf; (cd $d && zip -q - app.conf) > "$OUT"; rm -rf $d`},
	{name: "offset-gzip", needs: []string{"tar", "gzip"}, script: fmt.Sprintf(selfExtract, "gzip -d", "gzip")},
	{name: "offset-xz", needs: []string{"tar", "xz"}, script: fmt.Sprintf(selfExtract, "xz -d", "xz")},
	{name: "offset-zstd", needs: []string{"tar", "zstd"}, script: fmt.Sprintf(selfExtract, "zstd -d", "zstd -q")},
}

// wrapped are the writers whose outputs every wrapper wraps (the full
// cross product would be thousands of cases for little more signal).
var wrapped = []string{"raw", "python-json", "base64", "java-properties"}

// missing names the first of needs not on PATH, "" when all are.
func missing(needs ...string) string {
	for _, n := range needs {
		if _, err := exec.LookPath(n); err != nil {
			return n
		}
	}
	return ""
}

// parallel runs fn over n items on a few workers (the machine is shared).
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	work := make(chan int)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				fn(i)
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
}

// output is one writer's (or wrapper's) output for one kind.
type output struct {
	kind, writer, wrapper string
	path                  string // file or directory
	err                   error  // the writer failed: a case error, not a miss
}

// write runs every writer over every kind's payload in dir, then every
// wrapper over the wrapped writers' outputs. skip gets one line per writer
// that could not run.
func write(t *testing.T, dir string, ks []kind, skip func(string)) []output {
	in := writePayloads(t, dir, ks)
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(out, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, p := range programs {
		if m := missing(p.needs...); m != "" {
			skip(fmt.Sprintf("%s writers: %s not installed", p.lang, m))
			continue
		}
		start := time.Now()
		b, err := sh("testdata", p.script, []string{"SRC=" + in, "DST=" + out})
		t.Logf("%s: %v", p.lang, time.Since(start).Round(time.Millisecond))
		if err != nil {
			t.Fatalf("%s writers: %v", p.lang, err)
		}
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if l != "" {
				skip(l)
			}
		}
	}
	var jobs []output
	entries, err := os.ReadDir(out)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		for _, k := range ks {
			jobs = append(jobs, output{kind: k.name, writer: e.Name(), wrapper: "none", path: filepath.Join(out, e.Name(), payloadName(k.name))})
		}
	}
	var run []int // indexes of tool jobs
	for _, tl := range tools {
		if m := missing(tl.needs...); m != "" {
			skip(fmt.Sprintf("writer %s: %s not installed", tl.name, m))
			continue
		}
		if err := os.MkdirAll(filepath.Join(out, tl.name), 0o700); err != nil {
			t.Fatal(err)
		}
		for _, k := range ks {
			if tl.keyOnly && k.key != "pem" {
				continue
			}
			run = append(run, len(jobs))
			jobs = append(jobs, output{kind: k.name, writer: tl.name, wrapper: "none", path: filepath.Join(out, tl.name, payloadName(k.name))})
		}
	}
	script := map[string]string{}
	for _, tl := range tools {
		script[tl.name] = tl.script
	}
	payload := map[string]string{}
	for _, k := range ks {
		payload[k.name] = filepath.Join(in, payloadName(k.name))
	}
	took := make([]time.Duration, len(run))
	parallel(len(run), func(i int) {
		o := &jobs[run[i]]
		start := time.Now()
		_, o.err = sh(dir, script[o.writer], []string{"IN=" + payload[o.kind], "OUT=" + o.path})
		took[i] = time.Since(start)
	})
	per := map[string]time.Duration{}
	for i, j := range run {
		per[jobs[j].writer] += took[i]
	}
	t.Logf("tool time: %v", per)
	return append(jobs, wrap(t, dir, jobs, skip)...)
}

// wrap runs every wrapper over the outputs of the wrapped writers.
func wrap(t *testing.T, dir string, outs []output, skip func(string)) []output {
	var jobs []output
	var scripts, ins []string
	var py strings.Builder // testdata/wrap.py's input, one line per job
	for _, w := range wrappers[1:] {
		if m := missing(w.needs...); m != "" {
			skip(fmt.Sprintf("wrapper %s: %s not installed", w.name, m))
			continue
		}
		for _, o := range outs {
			if o.err != nil || !contains(wrapped, o.writer) {
				continue
			}
			if w.text && !isText(o.path) {
				continue
			}
			p := filepath.Join(dir, "wrap", w.name, o.writer, filepath.Base(o.path))
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				t.Fatal(err)
			}
			jobs = append(jobs, output{kind: o.kind, writer: o.writer, wrapper: w.name, path: p})
			scripts, ins = append(scripts, w.script), append(ins, o.path)
			if w.python {
				fmt.Fprintf(&py, "%s\t%s\t%s\n", w.name, o.path, p)
			}
		}
	}
	if py.Len() > 0 {
		cmd := exec.Command("python3", "wrap.py")
		cmd.Dir = "testdata"
		cmd.Stdin = strings.NewReader(py.String())
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("python wrappers: %v: %s", err, b)
		}
	}
	took := map[string]time.Duration{}
	var mu sync.Mutex
	parallel(len(jobs), func(i int) {
		if scripts[i] == "" {
			return // done by wrap.py
		}
		start := time.Now()
		_, jobs[i].err = sh(dir, scripts[i], []string{"IN=" + ins[i], "OUT=" + jobs[i].path})
		mu.Lock()
		took[jobs[i].wrapper] += time.Since(start)
		mu.Unlock()
	})
	t.Logf("wrapper time: %v", took)
	return jobs
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// isText reports whether a file is UTF-8 text (a text wrapper's input).
func isText(p string) bool {
	b, err := os.ReadFile(p)
	return err == nil && !bytes.ContainsRune(b, 0) && strings.ToValidUTF8(string(b), "\uFFFD") == string(b)
}
