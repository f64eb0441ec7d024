package tests

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// crossDockerfile needs no emulation but in its last RUN: the first stage
// runs on the build platform and writes what BuildKit's platform args
// say; the last runs a binary of the target's architecture, through
// qemu-user where the target is foreign.
const crossDockerfile = `FROM --platform=$BUILDPLATFORM localhost/busybox:latest AS build
ARG TARGETARCH TARGETPLATFORM TARGETOS BUILDPLATFORM BUILDARCH
RUN --mount=type=secret,id=tok mkdir /out && test -s /run/secrets/tok && echo "$TARGETARCH" > /out/arch && echo "$TARGETOS $TARGETPLATFORM on $BUILDPLATFORM $BUILDARCH" > /out/plat
FROM scratch
ARG TARGETARCH
COPY --from=build /out/ /
COPY tool-${TARGETARCH} /tool
RUN ["/tool", "/ran-on"]
`

// noEmulationDockerfile is crossDockerfile without the target's RUN.
const noEmulationDockerfile = `FROM --platform=$BUILDPLATFORM localhost/busybox:latest AS build
ARG TARGETARCH
RUN mkdir /out && echo "$TARGETARCH" > /out/arch
FROM scratch
COPY --from=build /out/ /
`

// toolSource writes runtime.GOARCH (the architecture it was built for)
// to the file its argument names: a static binary, no shell needed.
const toolSource = `package main

import (
	"os"
	"runtime"
)

func main() { _ = os.WriteFile(os.Args[1], []byte(runtime.GOARCH+"\n"), 0o644) }
`

// needArm64 makes sure this amd64 machine runs arm64 binaries through
// qemu-user in binfmt_misc, mounting and registering it as Debian's
// qemu-user-static package would; it skips when that cannot be done.
func needArm64(t *testing.T) {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Skip("skip: the two-platform tests build amd64 + arm64 on an amd64 host")
	}
	const dir = "/proc/sys/fs/binfmt_misc"
	if _, err := os.Stat(dir + "/register"); err != nil {
		if out, err := exec.Command("mount", "-t", "binfmt_misc", "binfmt_misc", dir).CombinedOutput(); err != nil {
			t.Skipf("skip: cannot mount binfmt_misc: %v %s", err, out)
		}
	}
	if b, err := os.ReadFile(dir + "/qemu-aarch64"); err == nil && strings.HasPrefix(string(b), "enabled") {
		return
	}
	conf, err := os.ReadFile("/usr/lib/binfmt.d/qemu-aarch64.conf")
	if err != nil {
		t.Skip("skip: qemu-user-static is not installed (scripts/deps.sh installs it)")
	}
	var line string
	for _, l := range strings.Split(string(conf), "\n") {
		if strings.HasPrefix(l, ":") {
			line = l
		}
	}
	if err := os.WriteFile(dir+"/register", []byte(line), 0o200); err != nil {
		t.Skipf("skip: cannot register qemu-aarch64 in binfmt_misc: %v", err)
	}
}

// platformContext writes a context with the Dockerfile and the tool built
// for amd64 and arm64 by the Go toolchain.
func platformContext(t *testing.T, dockerfile string) string {
	t.Helper()
	dir := tempDir(t)
	writeFiles(t, dir, map[string]string{"Dockerfile": dockerfile})
	src := filepath.Join(t.TempDir(), "tool.go")
	if err := os.WriteFile(src, []byte(toolSource), 0o644); err != nil {
		t.Fatal(err)
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	for _, arch := range []string{"amd64", "arm64"} {
		out := filepath.Join(dir, "tool-"+arch)
		cmd := exec.Command(goBin, "build", "-o", out, src)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch, "GOFLAGS=")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", arch, err, b)
		}
		if err := os.Chown(out, suite.uid, suite.gid); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// ociIndex is the part of an OCI index (or image manifest) the tests read.
type ociIndex struct {
	MediaType string `json:"mediaType"`
	Manifests []struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Platform  *struct {
			OS           string `json:"os"`
			Architecture string `json:"architecture"`
			Variant      string `json:"variant"`
		} `json:"platform"`
	} `json:"manifests"`
	Config struct{ Digest string } `json:"config"`
	Layers []struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
	} `json:"layers"`
}

func rawManifest(t *testing.T, ref string) (ociIndex, string) {
	t.Helper()
	out, err := skopeo(t, false, "inspect", "--raw", "--tls-verify=false", "docker://"+ref)
	if err != nil {
		t.Fatal(err)
	}
	var m ociIndex
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%s: %v: %s", ref, err, out)
	}
	return m, out
}

// blob reads a blob straight from the registry's HTTP API.
func blob(t *testing.T, addr, repo, digest string) []byte {
	t.Helper()
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Get("http://" + addr + "/v2/" + repo + "/blobs/" + digest)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("blob %s: %v %s", digest, err, resp.Status)
	}
	return b
}

// layerFiles reads every regular file of a gzip layer.
func layerFiles(t *testing.T, layer []byte, into map[string]string) {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(string(layer)))
	if err != nil {
		t.Fatalf("layer: %v", err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			b, _ := io.ReadAll(tr)
			into[strings.TrimPrefix(h.Name, "./")] = string(b)
		}
	}
}

// TestPlatformIndex: one --platform linux/amd64,linux/arm64 build pushed
// to a real registry and written as an OCI layout. Read back with skopeo
// and the registry's HTTP API: one OCI index listing both platforms,
// each manifest's config saying its os/arch, the build stage run on the
// build platform with BuildKit's args, the arm64 binary run through
// qemu-user, the same index in the layout, and no secret anywhere.
func TestPlatformIndex(t *testing.T) {
	needArm64(t)
	c := newCanary(t)
	addr := startRegistry(t)
	ctx := platformContext(t, crossDockerfile)
	layout := filepath.Join(tempDir(t), "layout")
	ref := addr + "/multi/app:v1"
	mustBuild(t, c, call{args: build("--platform", "linux/amd64,linux/arm64", "-t", ref, "--push", "--tls-verify=false",
		"-o", "type=oci,dest="+layout, "--secret", "id=tok,src="+secretFile(t, "tok", c.value), ctx)})

	ix, raw := rawManifest(t, ref)
	if ix.MediaType != "application/vnd.oci.image.index.v1+json" || len(ix.Manifests) != 2 {
		t.Fatalf("pushed %s, want an OCI index of two manifests:\n%s", ix.MediaType, raw)
	}
	for i, want := range []string{"amd64", "arm64"} {
		m := ix.Manifests[i]
		if m.Platform == nil || m.Platform.OS != "linux" || m.Platform.Architecture != want {
			t.Errorf("entry %d: platform %+v, want linux/%s", i, m.Platform, want)
			continue
		}
		man, _ := rawManifest(t, addr+"/multi/app@"+m.Digest)
		var cfg struct{ OS, Architecture string }
		if err := json.Unmarshal(blob(t, addr, "multi/app", man.Config.Digest), &cfg); err != nil {
			t.Fatal(err)
		}
		if cfg.OS != "linux" || cfg.Architecture != want {
			t.Errorf("%s: config says %s/%s", want, cfg.OS, cfg.Architecture)
		}
		files := map[string]string{}
		for _, l := range man.Layers {
			layerFiles(t, blob(t, addr, "multi/app", l.Digest), files)
		}
		wantFiles := map[string]string{
			"arch":   want + "\n",
			"plat":   "linux linux/" + want + " on linux/amd64 amd64\n",
			"ran-on": want + "\n", // the tool ran: arm64 code, through qemu-user
		}
		for name, w := range wantFiles {
			if files[name] != w {
				t.Errorf("%s: /%s = %q, want %q", want, name, files[name], w)
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(layout, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var top ociIndex
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	if d := "sha256:" + sha256Hex(raw); len(top.Manifests) != 1 || top.Manifests[0].Digest != d {
		t.Errorf("OCI layout index.json %s, want one entry: the pushed index %s", b, d)
	}
	// The index kept in local storage still has both images: a later
	// push of it (as hush manifest push does) finds them.
	r := runHush(t, c, call{args: []string{"manifest", "push", "--root", suite.root, "--runroot", suite.runRoot, "--tls-verify=false", ref, addr + "/multi/app:again"}})
	if again, raw2 := rawManifest(t, addr+"/multi/app:again"); r.code != 0 || len(again.Manifests) != 2 {
		t.Errorf("hush manifest push of the stored index: exit %d, pushed %s\n%s", r.code, raw2, c.mask(r.stderr))
	}
	out := filepath.Join(tempDir(t), "all")
	if _, err := skopeo(t, false, "copy", "-q", "--all", "--src-tls-verify=false", "docker://"+ref, "oci:"+out+":x"); err != nil {
		t.Fatal(err)
	}
	if leaks := findLeaks(t, out, c); len(leaks) > 0 {
		t.Errorf("the secret is in the pushed images: %v", leaks)
	}
}

// TestPlatformLeakRefused: a stage that writes the secret for arm64 only
// refuses the whole build: exit 3 naming linux/arm64, nothing pushed,
// nothing tagged, the amd64 image (which passed) not kept under the tag.
func TestPlatformLeakRefused(t *testing.T) {
	c := newCanary(t)
	addr := startRegistry(t)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": `FROM --platform=$BUILDPLATFORM localhost/busybox:latest AS build
ARG TARGETARCH
RUN --mount=type=secret,id=tok mkdir /out && if [ "$TARGETARCH" = arm64 ]; then cp /run/secrets/tok /out/leak; else echo clean > /out/leak; fi
FROM scratch
COPY --from=build /out/ /
`})
	ref := addr + "/leaky/app:v1"
	r := runHush(t, c, call{args: build("--platform", "linux/amd64,linux/arm64", "-t", ref, "--push", "--tls-verify=false",
		"--secret", "id=tok,src="+secretFile(t, "tok", c.value), ctx)})
	if r.code != 3 || !strings.Contains(r.stderr, "linux/arm64") {
		t.Fatalf("exit %d, want 3 (guard) naming linux/arm64\n%s", r.code, c.mask(r.stderr))
	}
	if tags := registryTags(t, addr, "leaky/app"); len(tags) != 0 {
		t.Errorf("a refused build pushed %v", tags)
	}
	for _, n := range imageNames(t, suite.root) {
		if strings.Contains(n, "leaky/app") {
			t.Errorf("a refused build tagged %s", n)
		}
	}
}

// TestPlatformOutputsOnePlatform: outputs that hold one platform say so
// before anything is built.
func TestPlatformOutputsOnePlatform(t *testing.T) {
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": noEmulationDockerfile})
	for _, args := range [][]string{
		{"-o", "type=docker,dest=" + filepath.Join(ctx, "x.tar")},
		{"--load", "-t", tagFor(t, "")},
		{"-o", "type=local,dest=" + filepath.Join(ctx, "fs")},
	} {
		r := runHush(t, nil, call{args: build(append(append([]string{"--platform", "linux/amd64,linux/arm64"}, args...), ctx)...)})
		if r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "one platform") {
			t.Errorf("%v: exit %d, want 2 and one line saying it holds one platform:\n%s", args, r.code, r.stderr)
		}
	}
}

// TestPlatformManifestCreate: two single-platform builds pushed as CI
// matrix jobs would, joined by hush manifest create into one index whose
// entries are those very manifests; no layer crossed the wire (every
// request goes through a counting proxy).
func TestPlatformManifestCreate(t *testing.T) {
	addr := startRegistry(t)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": noEmulationDockerfile})
	repo := addr + "/joined/app"
	single := map[string]string{}
	for _, arch := range []string{"amd64", "arm64"} {
		mustBuild(t, nil, call{args: build("--platform", "linux/"+arch, "-t", repo+":"+arch, "--push", "--tls-verify=false", ctx)})
		_, raw := rawManifest(t, repo+":"+arch)
		single[arch] = "sha256:" + sha256Hex(raw)
	}
	proxy, layerGets := countingProxy(t, addr)
	via := proxy + "/joined/app"
	r := runHush(t, nil, call{args: []string{"manifest", "create", "--root", suite.root, "--runroot", suite.runRoot, "--tls-verify=false",
		via + ":v1", via + ":amd64", via + "@" + single["arm64"]}})
	if r.code != 0 {
		t.Fatalf("hush manifest create: exit %d\n%s", r.code, r.stderr)
	}
	ix, raw := rawManifest(t, repo+":v1")
	if got := strings.TrimSpace(r.stdout); got != "sha256:"+sha256Hex(raw) {
		t.Errorf("printed %q, the registry holds %s", got, sha256Hex(raw))
	}
	if len(ix.Manifests) != 2 {
		t.Fatalf("index: %s", raw)
	}
	for i, arch := range []string{"amd64", "arm64"} {
		m := ix.Manifests[i]
		if m.Digest != single[arch] || m.Platform == nil || m.Platform.Architecture != arch {
			t.Errorf("entry %d: %s %+v, want the %s push %s", i, m.Digest, m.Platform, arch, single[arch])
		}
	}
	if n := layerGets(); n != 0 {
		t.Errorf("manifest create read %d layer blobs, want none", n)
	}
	r = runHush(t, nil, call{args: []string{"manifest", "inspect", "--root", suite.root, "--runroot", suite.runRoot, "--tls-verify=false", "docker://" + repo + ":v1"}})
	if r.code != 0 || strings.TrimSpace(r.stdout) != strings.TrimSpace(raw) {
		t.Errorf("manifest inspect: exit %d, printed %q, want the registry's index", r.code, r.stdout)
	}
}

// countingProxy forwards to the registry at addr and counts GETs of
// blobs that are layers (any blob but a config: a config is small JSON).
func countingProxy(t *testing.T, addr string) (string, func() int) {
	t.Helper()
	target, _ := url.Parse("http://" + addr)
	rp := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	n := 0
	rp.ModifyResponse = func(resp *http.Response) error {
		req := resp.Request
		if req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/blobs/sha256:") &&
			!strings.Contains(resp.Header.Get("Content-Type"), "json") && resp.ContentLength != 0 {
			b, _ := io.ReadAll(resp.Body)
			resp.Body = io.NopCloser(strings.NewReader(string(b)))
			if !json.Valid(b) {
				mu.Lock()
				n++
				mu.Unlock()
			}
		}
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), func() int { mu.Lock(); defer mu.Unlock(); return n }
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
