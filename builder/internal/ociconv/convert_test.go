package ociconv

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/buildah/docker"
)

// testdata/docker-20.10-config.json is the config `docker build` (20.10,
// classic builder) wrote for FROM scratch + SHELL, HEALTHCHECK, ONBUILD,
// WORKDIR /tmp/ and a shell-form CMD.
func TestConvertKeepsDockerFields(t *testing.T) {
	dconfig, err := os.ReadFile("testdata/docker-20.10-config.json")
	if err != nil {
		t.Fatal(err)
	}
	layer := digest.FromString("layer")
	dm := `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
		"config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1,"digest":"` + digest.FromBytes(dconfig).String() + `"},
		"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar","size":3,"digest":"` + layer.String() + `"}]}`
	m, c, err := Convert([]byte(dm), dconfig, map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	var om v1.Manifest
	if err := json.Unmarshal(m, &om); err != nil {
		t.Fatal(err)
	}
	if om.MediaType != v1.MediaTypeImageManifest || om.Config.MediaType != v1.MediaTypeImageConfig ||
		om.Config.Digest != digest.FromBytes(c) || om.Config.Size != int64(len(c)) {
		t.Errorf("manifest = %s, want OCI media types and the config's digest", m)
	}
	if len(om.Layers) != 1 || om.Layers[0].MediaType != v1.MediaTypeImageLayer || om.Layers[0].Digest != layer {
		t.Errorf("layers = %+v, want the one layer as %s", om.Layers, v1.MediaTypeImageLayer)
	}
	if om.Annotations["k"] != "v" || om.Annotations[v1.AnnotationCreated] == "" {
		t.Errorf("annotations = %v, want k=v and %s", om.Annotations, v1.AnnotationCreated)
	}

	var want, got struct {
		Config struct {
			Healthcheck *docker.HealthConfig
			Shell       []string
			OnBuild     []string
			ArgsEscaped bool
			WorkingDir  string
			Cmd         []string
			Env         []string
		} `json:"config"`
	}
	if err := json.Unmarshal(dconfig, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(c, &got); err != nil {
		t.Fatal(err)
	}
	if want.Config.Healthcheck == nil || len(want.Config.Shell) == 0 || len(want.Config.OnBuild) == 0 {
		t.Fatalf("test data lacks the docker fields: %s", dconfig)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("OCI config fields = %+v, want docker's %+v", got.Config, want.Config)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(c, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"container_config", "container", "docker_version"} {
		if _, ok := raw[k]; ok {
			t.Errorf("OCI config carries docker's %q", k)
		}
	}
	if _, ok := raw["rootfs"]; !ok {
		t.Error("OCI config has no rootfs")
	}
}

// Without Docker's fields the config is what v1.Image marshals to, byte
// for byte: containers/image re-marshals it so when it converts formats.
func TestConvertMatchesV1Image(t *testing.T) {
	dconfig, err := os.ReadFile("testdata/docker-20.10-config.json")
	if err != nil {
		t.Fatal(err)
	}
	var plain map[string]any
	if err := json.Unmarshal(dconfig, &plain); err != nil {
		t.Fatal(err)
	}
	cfg := plain["config"].(map[string]any)
	delete(cfg, "Healthcheck")
	delete(cfg, "Shell")
	delete(cfg, "OnBuild")
	dconfig, _ = json.Marshal(plain)
	dm := `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","layers":[]}`
	_, c, err := Convert([]byte(dm), dconfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	var img v1.Image
	if err := json.Unmarshal(c, &img); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(img)
	if string(again) != string(c) {
		t.Errorf("config\n%s\nre-marshalled as v1.Image\n%s", c, again)
	}
}

func TestConvertRefuses(t *testing.T) {
	for name, tc := range map[string]struct{ manifest, config string }{
		"oci manifest":  {`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}`, `{}`},
		"unknown layer": {`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","layers":[{"mediaType":"application/x-bzip2","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000"}]}`, `{}`},
		"bad config":    {`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","layers":[]}`, `[`},
	} {
		if _, _, err := Convert([]byte(tc.manifest), []byte(tc.config), nil); err == nil {
			t.Errorf("%s: converted, want an error", name)
		}
	}
}

// withHistory replaces the history and keeps docker's other fields, those
// v1.Image has no place for among them.
func TestWithHistoryKeepsFields(t *testing.T) {
	dconfig, err := os.ReadFile("testdata/docker-20.10-config.json")
	if err != nil {
		t.Fatal(err)
	}
	h := []v1.History{{CreatedBy: "x", EmptyLayer: true}}
	out, err := withHistory(dconfig, h)
	if err != nil {
		t.Fatal(err)
	}
	var before, after map[string]json.RawMessage
	if err := json.Unmarshal(dconfig, &before); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &after); err != nil {
		t.Fatal(err)
	}
	for k, v := range before {
		if k == "history" {
			continue
		}
		var a, b any
		_ = json.Unmarshal(v, &a)
		_ = json.Unmarshal(after[k], &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("field %s changed: %s -> %s", k, v, after[k])
		}
	}
	var got []v1.History
	if err := json.Unmarshal(after["history"], &got); err != nil || len(got) != 1 || got[0].CreatedBy != "x" || !got[0].EmptyLayer {
		t.Errorf("history = %s, want the one entry given", after["history"])
	}
}
