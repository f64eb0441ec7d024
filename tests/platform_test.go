package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	meta := filepath.Join(tempDir(t), "meta.json")
	mustBuild(t, c, call{args: build("--platform", "linux/amd64,linux/arm64", "-t", ref, "--push", "--tls-verify=false",
		"-o", "type=oci,dest="+layout, "--metadata-file", meta, "--secret", "id=tok,src="+secretFile(t, "tok", c.value), ctx)})

	ix, raw := rawManifest(t, ref)
	var md map[string]any
	if b, err := os.ReadFile(meta); err != nil || json.Unmarshal(b, &md) != nil {
		t.Fatalf("--metadata-file: %v", err)
	}
	if md["containerimage.digest"] != "sha256:"+sha256Hex(raw) || md["containerimage.config.digest"] != nil {
		t.Errorf("--metadata-file %v: want containerimage.digest the pushed index's and no config digest", md)
	}
	imgs, attests := ix.images()
	if ix.MediaType != "application/vnd.oci.image.index.v1+json" || len(imgs) != 2 {
		t.Fatalf("pushed %s, want an OCI index of two images (and their attestations):\n%s", ix.MediaType, raw)
	}
	for i, want := range []string{"amd64", "arm64"} {
		m := ix.Manifests[ix.byDigest(imgs[i])]
		// A push carries provenance by default (docker's build-push-action):
		// one attestation manifest per platform image.
		if len(attests[m.Digest]) != 1 {
			t.Errorf("%s: %d attestation manifests, want 1:\n%s", want, len(attests[m.Digest]), raw)
		}
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
	// hush verify reads every platform's guard attestation (exit 0).
	if r := runHush(t, c, call{args: []string{"verify", "--tls-verify=false", ref}}); r.code != 0 {
		t.Errorf("hush verify %s: exit %d\n%s", ref, r.code, c.mask(r.stdout+r.stderr))
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
		// A push with provenance (the default) is an index of the image
		// and its attestation: the join takes the image, with it.
		pushed, raw := rawManifest(t, repo+":"+arch)
		single[arch+"-index"] = "sha256:" + sha256Hex(raw)
		imgs, _ := pushed.images()
		if len(imgs) != 1 {
			t.Fatalf("%s push: %s", arch, raw)
		}
		single[arch] = imgs[0]
	}
	proxy, layerGets := countingProxy(t, addr)
	via := proxy + "/joined/app"
	r := runHush(t, nil, call{args: []string{"manifest", "create", "--root", suite.root, "--runroot", suite.runRoot, "--tls-verify=false",
		via + ":v1", via + ":amd64", via + "@" + single["arm64-index"]}})
	if r.code != 0 {
		t.Fatalf("hush manifest create: exit %d\n%s", r.code, r.stderr)
	}
	ix, raw := rawManifest(t, repo+":v1")
	if got := strings.TrimSpace(r.stdout); got != "sha256:"+sha256Hex(raw) {
		t.Errorf("printed %q, the registry holds %s", got, sha256Hex(raw))
	}
	imgs, attests := ix.images()
	if len(imgs) != 2 {
		t.Fatalf("index: %s", raw)
	}
	for i, arch := range []string{"amd64", "arm64"} {
		m := ix.Manifests[ix.byDigest(imgs[i])]
		if m.Digest != single[arch] || m.Platform == nil || m.Platform.Architecture != arch {
			t.Errorf("entry %d: %s %+v, want the %s push %s", i, m.Digest, m.Platform, arch, single[arch])
		}
		if len(attests[m.Digest]) != 1 {
			t.Errorf("%s: %d attestation manifests carried over, want 1", arch, len(attests[m.Digest]))
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
