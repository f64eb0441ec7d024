package tests

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// modeImageDockerfile: metadata-only instructions around the two that
// write files, a COPY --chown into directories that do not exist yet.
const modeImageDockerfile = `FROM {{REG}}/busybox:latest
ENV A=1
COPY --chown=1000:1000 f /deep/er/f
RUN echo run > /run.txt
SHELL ["/bin/sh", "-c"]
HEALTHCHECK CMD ["/bin/true"]
`

// TestContainerModeImage: an image built in container mode (hush's image,
// docker run as root with Docker's default seccomp) and pushed references
// its base's own layer blobs (no recompressed copy in the registry), has
// one history entry per instruction as docker writes them (empty_layer
// for those that write no files), keeps HEALTHCHECK and SHELL in its OCI
// config, and COPY --chown made the missing parents the owner's.
func TestContainerModeImage(t *testing.T) {
	needDocker(t)
	reg := startRegistry(t)
	if _, err := skopeo(t, true, "copy", "-q", "--dest-tls-verify=false",
		storeRef(suite.root, suite.runRoot, "localhost/busybox:latest"), "docker://"+reg+"/busybox:latest"); err != nil {
		t.Fatalf("pushing the base: %v", err)
	}
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": strings.ReplaceAll(modeImageDockerfile, "{{REG}}", reg), "f": "x\n"})
	for _, d := range []string{ctx, filepath.Join(ctx, "f"), filepath.Join(ctx, "Dockerfile")} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tag := reg + "/cmode-image:1"
	if out, err := docker(t, "run", "--rm", "--network", "host", "-v", ctx+":/ctx:ro", hushImage,
		"build", "--tls-verify=false", "-t", tag, "--push", "/ctx"); err != nil {
		t.Fatalf("build in container mode: %v\n%s", err, out)
	}

	type manifest struct {
		Layers []struct{ Digest string }
	}
	var base, built manifest
	readJSON := func(v any, args ...string) {
		t.Helper()
		out, err := skopeo(t, true, append([]string{"inspect", "--tls-verify=false"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(out), v); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	readJSON(&base, "--raw", "docker://"+reg+"/busybox:latest")
	// The push is an index of the image and its attestations (provenance
	// is on by default for a push): layerDigests follows it to the image.
	for _, d := range layerDigests(t, "docker://"+tag) {
		built.Layers = append(built.Layers, struct{ Digest string }{d})
	}
	if len(built.Layers) != len(base.Layers)+1 {
		t.Fatalf("%d layers, want the base's %d and one", len(built.Layers), len(base.Layers))
	}
	for i, l := range base.Layers {
		if built.Layers[i].Digest != l.Digest {
			t.Errorf("layer %d is %s, want the base's own blob %s (recompressed and uploaded again)", i, built.Layers[i].Digest, l.Digest)
		}
	}

	type history struct {
		CreatedBy  string `json:"created_by"`
		EmptyLayer bool   `json:"empty_layer"`
	}
	var baseCfg, cfg struct {
		Config struct {
			Shell       []string
			Healthcheck *struct{ Test []string }
		} `json:"config"`
		History []history `json:"history"`
	}
	readJSON(&baseCfg, "--config", "--raw", "docker://"+reg+"/busybox:latest")
	readJSON(&cfg, "--config", "--raw", "docker://"+tag)
	added := cfg.History[min(len(baseCfg.History), len(cfg.History)):]
	want := []history{
		{"/bin/sh -c #(nop) ENV A=1", true},
		{"/bin/sh -c #(nop) COPY --chown=1000:1000 f /deep/er/f", true},
		{"RUN echo run > /run.txt", false},
		{`/bin/sh -c #(nop) SHELL ["/bin/sh", "-c"]`, true},
		{`/bin/sh -c #(nop) HEALTHCHECK CMD ["/bin/true"]`, true},
	}
	if len(added) != len(want) {
		t.Errorf("history adds %d entries to the base's, want one per instruction (%d): %+v", len(added), len(want), added)
	} else {
		for i := range want {
			if added[i] != want[i] {
				t.Errorf("history entry %d: %+v, want %+v", i, added[i], want[i])
			}
		}
	}
	nonEmpty := 0
	for _, h := range cfg.History {
		if !h.EmptyLayer {
			nonEmpty++
		}
	}
	if nonEmpty != len(built.Layers) {
		t.Errorf("%d history entries with a layer, %d layers", nonEmpty, len(built.Layers))
	}
	if strings.Join(cfg.Config.Shell, " ") != "/bin/sh -c" || cfg.Config.Healthcheck == nil {
		t.Errorf("config lost SHELL or HEALTHCHECK: shell %q, healthcheck %v", cfg.Config.Shell, cfg.Config.Healthcheck)
	}

	// The stage's layer: /deep and /deep/er are 1000:1000, as buildah makes them.
	dest := filepath.Join(tempDir(t), "oci")
	if _, err := skopeo(t, false, "copy", "-q", "--src-tls-verify=false", "docker://"+tag, "oci:"+dest+":x"); err != nil {
		t.Fatal(err)
	}
	owners := lastLayerOwners(t, dest, built.Layers[len(built.Layers)-1].Digest)
	for _, p := range []string{"deep/", "deep/er/", "deep/er/f"} {
		if got, ok := owners[p]; !ok || got != [2]int{1000, 1000} {
			t.Errorf("%s: owner %v (present %v), want 1000:1000", p, got, ok)
		}
	}
}

// lastLayerOwners reads the layer blob d of the OCI layout at dir and
// returns each entry's uid and gid.
func lastLayerOwners(t *testing.T, dir, d string) map[string][2]int {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(d, "sha256:")))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if zr, err := gzip.NewReader(f); err == nil {
		r = zr
	} else if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	out := map[string][2]int{}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(hdr.Name, "./")
		if hdr.Typeflag == tar.TypeDir && !strings.HasSuffix(name, "/") {
			name += "/"
		}
		out[name] = [2]int{hdr.Uid, hdr.Gid}
	}
}
