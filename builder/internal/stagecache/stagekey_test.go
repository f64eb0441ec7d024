package stagecache

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const keyDockerfile = `# syntax=docker/dockerfile:1
ARG BASE=example.com/base:1
FROM $BASE AS deps
ARG VERSION
COPY deps/ /deps/
RUN make deps
FROM example.com/other:1 AS app
COPY *.go /src/
RUN --mount=type=secret,id=npm npm ci
FROM deps
COPY --from=app /src /src
RUN echo final
`

// keyWorld is one set of stage-key inputs; each case changes one thing.
type keyWorld struct {
	df     string
	files  map[string]string
	args   map[string]string
	images map[string]string
	secret string
	labels string
}

func baseWorld() keyWorld {
	return keyWorld{
		df: keyDockerfile,
		files: map[string]string{"deps/a.txt": "a", "main.go": "package main", "README": "r",
			".dockerignore": "deps/*.log\n", "deps/x.log": "noise"},
		args:   map[string]string{"VERSION": "1"},
		images: map[string]string{"example.com/base:1": "b1", "example.com/base:2": "b2", "example.com/other:1": "o1"},
		secret: "type=file,target=,mode=400,uid=0,gid=0,arg=",
	}
}

func (w keyWorld) keys(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range w.files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	plan, err := parseStages([]byte(w.df), w.args, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := newContextTree(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	in := keyInputs{global: []byte("{}"), final: []byte(w.labels), args: w.args,
		secrets: map[string]string{"npm": w.secret}, tree: tree,
		image: func(name string) (string, error) { return w.images[name], nil }}
	keys, why := stageKeys(plan, in)
	for i, k := range keys {
		if k == "" {
			t.Fatalf("stage %d not keyed: %s", i, why[i])
		}
	}
	return keys
}

// TestStageKeys: what changes which stage's key (deps, app, final).
func TestStageKeys(t *testing.T) {
	base := baseWorld().keys(t)
	tests := []struct {
		name   string
		change func(*keyWorld)
		want   string // which stages' keys change: d(eps) a(pp) f(inal)
	}{
		{"nothing", func(w *keyWorld) {}, ""},
		{"a file deps copies", func(w *keyWorld) { w.files["deps/a.txt"] = "b" }, "df"},
		{"a file app's glob matches", func(w *keyWorld) { w.files["main.go"] = "package x" }, "af"},
		{"a new file app's glob matches", func(w *keyWorld) { w.files["util.go"] = "package main" }, "af"},
		{"a file no stage copies", func(w *keyWorld) { w.files["README"] = "changed" }, ""},
		{"an ignored file under a copied directory", func(w *keyWorld) { w.files["deps/x.log"] = "more noise" }, ""},
		{"the build arg deps declares", func(w *keyWorld) { w.args = map[string]string{"VERSION": "2"} }, "df"},
		{"a build arg no stage declares", func(w *keyWorld) { w.args = map[string]string{"VERSION": "1", "OTHER": "x"} }, ""},
		{"BASE, so FROM $BASE names another image", func(w *keyWorld) { w.args = map[string]string{"VERSION": "1", "BASE": "example.com/base:2"} }, "df"},
		{"the base image's id", func(w *keyWorld) { w.images["example.com/base:1"] = "b9" }, "df"},
		{"app's base image's id", func(w *keyWorld) { w.images["example.com/other:1"] = "o9" }, "af"},
		{"the options of the secret app mounts", func(w *keyWorld) { w.secret = "type=env,target=,mode=400,uid=0,gid=0,arg=" }, "af"},
		{"a label (the final stage's only)", func(w *keyWorld) { w.labels = "a=b" }, "f"},
		{"app's RUN text", func(w *keyWorld) { w.df = strings.Replace(w.df, "npm ci", "npm install", 1) }, "af"},
		{"a comment", func(w *keyWorld) { w.df = strings.Replace(w.df, "FROM deps\n", "# the final stage\nFROM deps\n", 1) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := baseWorld()
			tt.change(&w)
			got := w.keys(t)
			changed := ""
			for i, c := range "daf" {
				if got[i] != base[i] {
					changed += string(c)
				}
			}
			if changed != tt.want {
				t.Errorf("changed %q, want %q", changed, tt.want)
			}
		})
	}
}

// TestStageKeysUncached: what the key cannot cover leaves the stage, and
// the stages built from it, without a key.
func TestStageKeysUncached(t *testing.T) {
	for _, tt := range []struct{ df, why string }{
		{"FROM example.com/base:1\nADD https://example.com/x.tgz /x\n", "--checksum"},
		{"FROM example.com/nowhere:1\nRUN true\n", "not in local storage"},
		{"FROM example.com/nowhere:1 AS a\nFROM a\nRUN true\n", "stage a is not cached"},
	} {
		plan, err := parseStages([]byte(tt.df), nil, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		keys, why := stageKeys(plan, keyInputs{image: func(n string) (string, error) {
			if n == "example.com/base:1" {
				return "b1", nil
			}
			return "", fmt.Errorf("image %s is not in local storage", n)
		}})
		last := len(keys) - 1
		if keys[last] != "" || !strings.Contains(why[last], tt.why) {
			t.Errorf("%q: key %q, why %q; want no key because %q", tt.df, keys[last], why[last], tt.why)
		}
	}
	plan, _ := parseStages([]byte("FROM scratch\nADD --checksum=sha256:0123 https://example.com/x.tgz /x\n"), nil, "", nil)
	if keys, why := stageKeys(plan, keyInputs{}); keys[0] == "" {
		t.Errorf("ADD with --checksum not keyed: %s", why[0])
	}
}

// TestRewrite: reduced stages keep their names and indexes, every other
// line is kept as written.
func TestRewrite(t *testing.T) {
	plan, err := parseStages([]byte(keyDockerfile), nil, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := string(plan.rewrite(map[int]string{0: "0123abc", 1: "4567def"}))
	want := "# syntax=docker/dockerfile:1\nARG BASE=example.com/base:1\nFROM 0123abc AS deps\nFROM 4567def AS app\nFROM deps\nCOPY --from=app /src /src\nRUN echo final\n"
	if got != want {
		t.Errorf("rewrite:\n%s\nwant:\n%s", got, want)
	}
	if got := string(plan.rewrite(nil)); got != keyDockerfile {
		t.Errorf("rewrite with nothing done changed the Dockerfile:\n%s", got)
	}
	if n := plan.needs(2); len(n) != 3 {
		t.Errorf("final needs %v, want all three stages", n)
	}
	if n := plan.needs(1); len(n) != 1 || n[0] != 1 {
		t.Errorf("app needs %v, want only itself", n)
	}
}

// TestContextTreeIgnore: the key reads the ignore file buildah applies,
// DOCKERFILE.dockerignore before the context's .dockerignore.
func TestContextTreeIgnore(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Dockerfile", "FROM scratch\nCOPY a.txt /\n")
	write(".dockerignore", "a.txt\n")
	write("Dockerfile.dockerignore", "b.txt\n")
	write("a.txt", "one")
	digest := func(df string) string {
		tree, err := newContextTree(dir, df)
		if err != nil {
			t.Fatal(err)
		}
		d, err := tree.digest([]string{"a.txt"}, false)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	df := filepath.Join(dir, "Dockerfile")
	before, ctxOnly := digest(df), digest("")
	write("a.txt", "two")
	if digest(df) == before {
		t.Error("a.txt changed, Dockerfile.dockerignore keeps it, yet the digest did not change")
	}
	if digest("") != ctxOnly {
		t.Error("a.txt changed, the context's .dockerignore excludes it, yet the digest changed")
	}
}
