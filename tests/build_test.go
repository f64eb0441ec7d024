package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestMultiStageCopyFrom(t *testing.T) {
	c := newCanary(t)
	tag, id, _ := buildIn(t, c, contextBuild{
		dockerfile: `FROM localhost/busybox AS build
RUN --mount=type=secret,id=s sh -c 'mkdir -p /out && wc -c < /run/secrets/s > /out/len && echo artifact > /out/file'
FROM localhost/busybox
COPY --from=build /out /out
RUN echo final > /marker
`,
		flags: []string{"--secret", "id=s,src=" + secretFile(t, "token", c.value)},
	})
	img := checkImage(t, c, tag, id, "/run/secrets/s")
	if got := strings.TrimSpace(img.file(t, "/out/len")); got != strconv.Itoa(len(c.value)) {
		t.Errorf("/out/len = %q, want %d: the first stage did not see the secret", got, len(c.value))
	}
	if got := img.file(t, "/out/file"); got != "artifact\n" {
		t.Errorf("/out/file = %q, want %q", got, "artifact\n")
	}
	if got := img.file(t, "/marker"); got != "final\n" {
		t.Errorf("/marker = %q, want %q", got, "final\n")
	}
}

func TestLayersCache(t *testing.T) {
	c := newCanary(t)
	b := contextBuild{
		dockerfile: `FROM localhost/busybox
RUN echo one > /one
RUN --mount=type=secret,id=s sh -c 'wc -c < /run/secrets/s > /len'
COPY f.txt /f.txt
`,
		files: map[string]string{"f.txt": "context file\n"},
		flags: []string{"--layers", "--secret", "id=s,src=" + secretFile(t, "token", c.value)},
	}
	tag, first, stderr := buildIn(t, c, b)
	if strings.Contains(stderr, "Using cache") {
		t.Errorf("the first build already used a cache:\n%s", stderr)
	}
	_, second, stderr := buildIn(t, c, b)
	if !strings.Contains(stderr, "Using cache") {
		t.Errorf("the second build did not print \"Using cache\":\n%s", stderr)
	}
	if second != first {
		t.Errorf("second build's image id = %s, want the first's, %s", second, first)
	}
	img := checkImage(t, c, tag, second, "/run/secrets/s")
	if got := strings.TrimSpace(img.file(t, "/len")); got != strconv.Itoa(len(c.value)) {
		t.Errorf("/len = %q, want %d", got, len(c.value))
	}
	if img.layers < 3 {
		t.Errorf("--layers gave %d layers, want one per instruction (at least 3)", img.layers)
	}
}

func TestDockerignore(t *testing.T) {
	c := newCanary(t)
	tag, id, _ := buildIn(t, c, contextBuild{
		dockerfile: "FROM localhost/busybox\nCOPY . /ctx/\n",
		files: map[string]string{
			".dockerignore": "ignored.env\n**/*.log\n",
			"keep.txt":      "kept\n",
			"ignored.env":   "TOKEN=" + c.value + "\n",
			"sub/debug.log": c.value + "\n",
		},
	})
	img := checkImage(t, c, tag, id, "/ctx/ignored.env", "/ctx/sub/debug.log")
	if got := img.file(t, "/ctx/keep.txt"); got != "kept\n" {
		t.Errorf("/ctx/keep.txt = %q, want %q", got, "kept\n")
	}
}

func TestDockerfileOnStdin(t *testing.T) {
	c := newCanary(t)
	dir := tempDir(t)
	tag := tagFor(t, "")
	iid, meta := filepath.Join(dir, "iid"), filepath.Join(dir, "meta.json")
	id, stderr := mustBuild(t, c, call{
		args: build("-t", tag, "--iidfile", iid, "--metadata-file", meta, "--secret", "id=s,env=HUSH_E2E_TOKEN", "-"),
		env:  []string{"HUSH_E2E_TOKEN=" + c.value},
		stdin: "FROM localhost/busybox\n" + printSum + "\n" +
			"RUN echo from-stdin > /marker\n",
	})
	wantLine(t, stderr, "sum:"+sum(c.value))
	img := checkImage(t, c, tag, id, "/run/secrets/s")
	if got := img.file(t, "/marker"); got != "from-stdin\n" {
		t.Errorf("/marker = %q, want %q", got, "from-stdin\n")
	}
	if b, err := os.ReadFile(iid); err != nil || string(b) != id {
		t.Errorf("--iidfile holds %q (%v), want %q", b, err, id)
	}
	var md map[string]any
	b, err := os.ReadFile(meta)
	if err != nil || json.Unmarshal(b, &md) != nil {
		t.Fatalf("--metadata-file: %v: %s", err, b)
	}
	if md["containerimage.config.digest"] != id || md["image.name"] != tag {
		t.Errorf("--metadata-file = %s, want config digest %s and image.name %s", b, id, tag)
	}
	if d, _ := md["containerimage.digest"].(string); !strings.HasPrefix(d, "sha256:") {
		t.Errorf("--metadata-file containerimage.digest = %q, want a sha256 digest", d)
	}
}

// TestDefaultStorage builds without --root into the store podman would
// use (~/.local/share/containers/storage when rootless) and checks that
// skopeo finds the image there.
func TestDefaultStorage(t *testing.T) {
	c := newCanary(t)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM scratch\nCOPY marker /marker\n", "marker": "default store\n"})
	// Unique: the default store outlives the suite.
	tag := tagFor(t, "-"+randHex(t, 4))
	id, _ := mustBuild(t, c, call{
		args: []string{"build", "-t", strings.TrimSuffix(tag, ":latest"), "--secret", "id=s,env=HUSH_E2E_TOKEN", ctx},
		env:  []string{"HUSH_E2E_TOKEN=" + c.value},
	})
	root, runRoot := defaultStore()
	ref := storeRef(root, runRoot, tag)
	t.Cleanup(func() {
		if _, err := skopeo(t, true, "delete", ref); err != nil {
			t.Logf("removing %s from the default store: %v", tag, err)
		}
	})
	// As the store's owner: see skopeo's comment.
	out, err := skopeo(t, true, "inspect", "--raw", ref)
	if err != nil {
		t.Fatalf("the image is not in the default store: %v", err)
	}
	var m manifestDoc
	if err := json.Unmarshal([]byte(out), &m); err != nil || m.Config.Digest != id {
		t.Errorf("skopeo inspect --raw %s: config %q (%v), want %s", ref, m.Config.Digest, err, id)
	}
	if form := c.find([]byte(out)); form != "" {
		t.Errorf("LEAK: the manifest holds the secret (%s)", form)
	}
}
