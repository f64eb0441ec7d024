package dockercfg

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/buildah/docker"
)

// TestMarshal: a config written with extras parses back to the same
// fields, and one without extras has v1.Image's bytes.
func TestMarshal(t *testing.T) {
	created := time.Unix(1700000000, 0).UTC()
	img := v1.Image{Created: &created, Platform: v1.Platform{OS: "linux", Architecture: "amd64"},
		Config: v1.ImageConfig{Cmd: []string{"/bin/sh", "-c", "echo hi"}, ArgsEscaped: true},
		RootFS: v1.RootFS{Type: "layers", DiffIDs: []digest.Digest{digest.FromString("x")}}}
	x := Extras{Healthcheck: &docker.HealthConfig{Test: []string{"CMD", "/bin/true"}, Retries: 4}, OnBuild: []string{"RUN echo child"}, Shell: []string{"/bin/bash", "-c"}}
	b, err := Marshal(img, x)
	if err != nil {
		t.Fatal(err)
	}
	gotImg, gotX, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotX, x) || !gotImg.Config.ArgsEscaped || gotImg.Config.Cmd[2] != "echo hi" {
		t.Errorf("round trip: %+v %+v", gotImg, gotX)
	}
	plain, err := Marshal(img, Extras{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(img)
	if string(plain) != string(want) {
		t.Errorf("without extras:\n%s\nwant v1.Image's\n%s", plain, want)
	}
}
