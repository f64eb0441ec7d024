package tests

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// configDockerfile sets every config field buildah keeps only in docker
// format, and a WORKDIR whose slash imagebuilder trims. FROM scratch and
// COPY, so docker builds it as it is, with a layer.
const configDockerfile = `FROM scratch
COPY f /f
SHELL ["/bin/bash", "-c"]
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=4 CMD ["/bin/true"]
ONBUILD RUN echo child
WORKDIR /tmp/
CMD echo hi
`

// dockerFields are the config fields docker writes and OCI has no name
// for, as docker and BuildKit name them.
type dockerFields struct {
	Healthcheck *struct {
		Test                           []string
		Interval, Timeout, StartPeriod int64
		StartInterval                  int64
		Retries                        int
	}
	Shell       []string
	OnBuild     []string
	ArgsEscaped bool
	WorkingDir  string
}

func parseFields(t *testing.T, what, config string) dockerFields {
	t.Helper()
	var c struct {
		Config dockerFields `json:"config"`
	}
	if err := json.Unmarshal([]byte(config), &c); err != nil {
		t.Fatalf("%s: parsing config: %v\n%s", what, err, config)
	}
	return c.Config
}

// dockerReference is what docker (its classic builder here) writes for
// dir's Dockerfile; it skips the test where no Docker engine answers.
func dockerReference(t *testing.T, dir string) dockerFields {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := exec.CommandContext(ctx, "docker", "version", "--format", "{{.Server.Version}}").Run(); err != nil {
		t.Skip("no Docker engine answers: nothing to compare the config with")
	}
	tag := "hush-e2e-config-reference:" + randHex(t, 6)
	if out, err := exec.CommandContext(ctx, "docker", "build", "-q", "-t", tag, dir).CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", tag).Run() })
	out, err := exec.CommandContext(ctx, "docker", "image", "inspect", "--format", "{{json .Config}}", tag).Output()
	if err != nil {
		t.Fatalf("docker image inspect: %v", err)
	}
	return parseFields(t, "docker", `{"config":`+string(out)+`}`)
}

// TestImageConfigDockerFields: HEALTHCHECK, SHELL and ONBUILD reach the
// image config in OCI format (the default) in local storage, an OCI
// layout, a docker archive and a registry, and with --format docker, each
// as docker 20.10 writes them; each read back with skopeo.
func TestImageConfigDockerFields(t *testing.T) {
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": configDockerfile, "f": "x\n"})
	want := dockerReference(t, ctx)
	if want.Healthcheck == nil || len(want.Shell) == 0 || len(want.OnBuild) == 0 {
		t.Fatalf("docker's config lacks the fields this test compares: %+v", want)
	}
	// ArgsEscaped as BuildKit writes it after a CMD (docker's classic
	// builder sets it only on Windows): docs/conformance.md.
	want.ArgsEscaped = true
	check := func(what, ref string, extra ...string) {
		t.Helper()
		out, err := skopeo(t, true, append(append([]string{"inspect", "--config", "--raw"}, extra...), ref)...)
		if err != nil {
			t.Fatal(err)
		}
		if got := parseFields(t, what, out); !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			t.Errorf("%s: config fields %s, want docker's %s", what, g, w)
		}
	}
	mediaType := func(ref string, extra ...string) string {
		t.Helper()
		out, err := skopeo(t, true, append(append([]string{"inspect", "--raw"}, extra...), ref)...)
		if err != nil {
			t.Fatal(err)
		}
		var m struct{ MediaType string }
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatal(err)
		}
		return m.MediaType
	}

	out := tempDir(t)
	layout, archive := filepath.Join(out, "oci"), filepath.Join(out, "img.tar")
	tag := tagFor(t, "")
	mustBuild(t, nil, call{args: build("-t", tag, "-o", "type=oci,dest="+layout, "-o", "type=docker,dest="+archive, ctx)})
	if mt := mediaType(storeRef(suite.root, suite.runRoot, tag)); mt != "application/vnd.oci.image.manifest.v1+json" {
		t.Errorf("default format: manifest media type %q, want OCI's", mt)
	}
	check("containers-storage", storeRef(suite.root, suite.runRoot, tag))
	check("-o type=oci", "oci:"+layout+":latest")
	check("-o type=docker", "docker-archive:"+archive)

	addr := startRegistry(t)
	pushed := addr + "/config:1"
	mustBuild(t, nil, call{args: build("-t", pushed, "--push", "--tls-verify=false", ctx)})
	check("registry", "docker://"+pushed, "--tls-verify=false")

	dtag := tagFor(t, "-docker")
	mustBuild(t, nil, call{args: build("--format", "docker", "-t", dtag, ctx)})
	if mt := mediaType(storeRef(suite.root, suite.runRoot, dtag)); mt != "application/vnd.docker.distribution.manifest.v2+json" {
		t.Errorf("--format docker: manifest media type %q, want docker schema 2", mt)
	}
	check("--format docker", storeRef(suite.root, suite.runRoot, dtag))
}

// TestImageConfigReproducible: with --source-date-epoch, the OCI image
// hush makes from buildah's docker one has the same id every time.
func TestImageConfigReproducible(t *testing.T) {
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": configDockerfile, "f": "x\n"})
	first, _ := mustBuild(t, nil, call{args: build("--source-date-epoch", "1700000000", "--no-cache", ctx)})
	second, _ := mustBuild(t, nil, call{args: build("--source-date-epoch", "1700000000", "--no-cache", ctx)})
	if first != second {
		t.Errorf("image ids %s and %s, want one", first, second)
	}
}

// TestImageConfigOnBuildChild: a child image built FROM a hush image (OCI,
// the default) runs the parent's ONBUILD trigger and inherits its
// HEALTHCHECK, as a child of a docker-built parent would.
func TestImageConfigOnBuildChild(t *testing.T) {
	parentCtx, childCtx := tempDir(t), tempDir(t)
	parent := tagFor(t, "-parent")
	writeFiles(t, parentCtx, map[string]string{"Dockerfile": "FROM localhost/busybox\n" +
		"HEALTHCHECK --interval=7s CMD [\"/bin/true\"]\nONBUILD RUN echo onbuild-ran > /onbuild\n"})
	mustBuild(t, nil, call{args: build("-t", parent, parentCtx)})
	writeFiles(t, childCtx, map[string]string{"Dockerfile": "FROM " + parent + "\n"})
	child := tagFor(t, "-child")
	mustBuild(t, nil, call{args: build("-t", child, childCtx)})

	img := walkLayout(t, exportImage(t, child), "x", newCanary(t))
	if got := img.file(t, "/onbuild"); got != "onbuild-ran\n" {
		t.Errorf("child /onbuild = %q, want the parent's ONBUILD trigger to have written it", got)
	}
	out, err := skopeo(t, true, "inspect", "--config", "--raw", storeRef(suite.root, suite.runRoot, child))
	if err != nil {
		t.Fatal(err)
	}
	got := parseFields(t, "child", out)
	if got.Healthcheck == nil || got.Healthcheck.Interval != 7e9 {
		t.Errorf("child config %s: want the parent's HEALTHCHECK (interval 7s)", out)
	}
	if len(got.OnBuild) != 0 {
		t.Errorf("child OnBuild = %q, want none: docker runs a trigger once, in the child", got.OnBuild)
	}
}
