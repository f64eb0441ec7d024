package tests

import (
	"archive/tar"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// historyDockerfile has every kind of instruction docker's classic builder
// writes its own way: build args before a RUN, ENV in both forms, a quoted
// LABEL, an existing WORKDIR (docker gives a new one a layer; buildah and
// BuildKit do not), a shell-form and an exec-form RUN, COPY --chown, and
// the config-only ones.
const historyDockerfile = `FROM {{REG}}/busybox:latest
ARG V=1
ENV A=x B="y z"
ENV C $A
LABEL "k k"="v v" k2=v2
WORKDIR /tmp
RUN echo "$V $A" > /f
COPY --chown=1:2 a.txt /a.txt
RUN ["sh", "-c", "echo exec > /g"]
EXPOSE 80 443/udp
USER 0
VOLUME /data
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=5s CMD true
ONBUILD RUN echo child
CMD echo hi
ENTRYPOINT ["/bin/sh", "-c"]
`

type historyEntry struct {
	CreatedBy  string `json:"created_by"`
	EmptyLayer bool   `json:"empty_layer"`
}

// COPY's source digest is each builder's own.
var copySum = regexp.MustCompile(`(COPY|ADD) (--chown=\S*?)?(file|dir|multi):[0-9a-f]+ in `)

func normHistory(h []historyEntry) []historyEntry {
	out := make([]historyEntry, len(h))
	for i, e := range h {
		out[i] = historyEntry{copySum.ReplaceAllString(e.CreatedBy, "$1 $2<sum> in "), e.EmptyLayer}
	}
	return out
}

// TestHistoryAsDocker: hush's history (default mode and --layers, OCI and
// docker format) has docker build's (20.10, classic builder) entries for
// the same Dockerfile: one per instruction, the same created_by, the
// config-only ones empty; the default mode's one layer on the last
// instruction that writes files.
func TestHistoryAsDocker(t *testing.T) {
	if _, err := docker(t, "version", "--format", "{{.Server.Version}}"); err != nil {
		t.Skip("no Docker daemon answers: docker's history not available")
	}
	reg := startRegistry(t)
	if _, err := skopeo(t, true, "copy", "-q", "--dest-tls-verify=false",
		storeRef(suite.root, suite.runRoot, "localhost/busybox:latest"), "docker://"+reg+"/busybox:latest"); err != nil {
		t.Fatalf("pushing the base: %v", err)
	}
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": strings.ReplaceAll(historyDockerfile, "{{REG}}", reg), "a.txt": "a\n"})

	want := dockerHistory(t, ctx)
	base := dockerHistoryOf(t, reg+"/busybox:latest")
	if len(want) != len(base)+16 {
		t.Fatalf("docker wrote %d entries over the base's %d, want one per instruction (16)", len(want)-len(base), len(base))
	}
	for _, mode := range []struct {
		name  string
		flags []string
	}{{"default", nil}, {"layers", []string{"--layers"}}, {"docker-format", []string{"--format", "docker"}}} {
		t.Run(mode.name, func(t *testing.T) {
			tag := tagFor(t, "history-"+mode.name)
			args := append(append([]string{"-t", tag, "--tls-verify=false"}, mode.flags...), ctx)
			mustBuild(t, nil, call{args: build(args...)})
			out, err := skopeo(t, true, "inspect", "--config", storeRef(suite.root, suite.runRoot, tag))
			if err != nil {
				t.Fatal(err)
			}
			var cfg struct{ History []historyEntry }
			if err := json.Unmarshal([]byte(out), &cfg); err != nil {
				t.Fatal(err)
			}
			got := normHistory(cfg.History)
			exp := normHistory(want)
			if len(got) != len(exp) {
				t.Fatalf("%d history entries, docker wrote %d:\n%s", len(got), len(exp), showHistory(got))
			}
			lastLayered := -1
			for i, e := range exp {
				if !e.EmptyLayer {
					lastLayered = i
				}
			}
			for i := range exp {
				if got[i].CreatedBy != exp[i].CreatedBy {
					t.Errorf("entry %d: created_by\n got %q\nwant %q (docker)", i, got[i].CreatedBy, exp[i].CreatedBy)
				}
				wantEmpty := exp[i].EmptyLayer
				if mode.name != "layers" && i >= len(base) {
					wantEmpty = i != lastLayered // one layer for the stage
				}
				if got[i].EmptyLayer != wantEmpty {
					t.Errorf("entry %d (%s): empty_layer %v, want %v", i, got[i].CreatedBy, got[i].EmptyLayer, wantEmpty)
				}
			}
		})
	}
}

func showHistory(h []historyEntry) string {
	var b strings.Builder
	for _, e := range h {
		b.WriteString(e.CreatedBy)
		if e.EmptyLayer {
			b.WriteString("  (empty)")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// dockerHistory builds ctx with docker's classic builder and returns the
// image's history, read from docker save.
func dockerHistory(t *testing.T, ctx string) []historyEntry {
	t.Helper()
	tag := "hush-e2e-history:" + randHex(t, 4)
	t.Setenv("DOCKER_BUILDKIT", "0")
	if out, err := docker(t, "build", "-q", "-t", tag, ctx); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	t.Cleanup(func() { _, _ = docker(t, "rmi", "-f", tag) })
	return dockerHistoryOf(t, tag)
}

func dockerHistoryOf(t *testing.T, name string) []historyEntry {
	t.Helper()
	if _, err := docker(t, "image", "inspect", name); err != nil {
		if out, err := docker(t, "pull", "-q", name); err != nil {
			t.Fatalf("docker pull %s: %v\n%s", name, err, out)
		}
		t.Cleanup(func() { _, _ = docker(t, "rmi", "-f", name) })
	}
	file := filepath.Join(t.TempDir(), "image.tar")
	if _, err := docker(t, "save", "-o", file, name); err != nil {
		t.Fatal(err)
	}
	files := tarFiles(t, file)
	var mf []struct{ Config string }
	if err := json.Unmarshal(files["manifest.json"], &mf); err != nil || len(mf) != 1 {
		t.Fatalf("docker save: manifest.json: %v", err)
	}
	var cfg struct{ History []historyEntry }
	if err := json.Unmarshal(files[mf[0].Config], &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.History
}

// tarFiles reads the small JSON members of a docker save archive.
func tarFiles(t *testing.T, file string) map[string][]byte {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(h.Name, ".json") {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			out[h.Name] = b
		}
	}
}
