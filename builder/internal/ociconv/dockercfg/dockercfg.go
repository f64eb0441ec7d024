// Package dockercfg is the OCI image config with Docker's extension fields
// (Healthcheck, OnBuild, Shell), as BuildKit writes them: what
// builder/internal/ociconv converts buildah's docker configs to and what
// container mode (builder/internal/cmode) writes itself. A leaf: it
// imports no hush package, so container mode can use it without reaching
// the outputs ociconv depends on.
package dockercfg

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/buildah/docker"
)

// Image is v1.Image with Docker's extension fields in Config, as
// BuildKit's dockerspec.DockerOCIImage, but spelled out in v1.Image's field
// order: without the extensions it marshals to the bytes v1.Image would,
// so a reader that round-trips the config through v1.Image (containers/
// image converting formats) keeps its digest.
type Image struct {
	Created *time.Time `json:"created,omitempty"`
	Author  string     `json:"author,omitempty"`
	v1.Platform
	Config  Config       `json:"config,omitempty"`
	RootFS  v1.RootFS    `json:"rootfs"`
	History []v1.History `json:"history,omitempty"`
}

// Config is v1.ImageConfig with Docker's fields beside it.
type Config struct {
	v1.ImageConfig
	Healthcheck *docker.HealthConfig `json:",omitempty"`
	OnBuild     []string             `json:",omitempty"`
	Shell       []string             `json:",omitempty"`
}

// Extras are the Docker config fields an OCI image config has no name for
// (ArgsEscaped is in v1.ImageConfig).
type Extras struct {
	Healthcheck *docker.HealthConfig
	OnBuild     []string
	Shell       []string
}

// Marshal writes img with x beside its OCI fields: without extras, the
// bytes v1.Image marshals to.
func Marshal(img v1.Image, x Extras) ([]byte, error) {
	if img.RootFS.DiffIDs == nil {
		img.RootFS.DiffIDs = []digest.Digest{}
	}
	return json.Marshal(Image{
		Created: img.Created, Author: img.Author, Platform: img.Platform,
		Config: Config{ImageConfig: img.Config, Healthcheck: x.Healthcheck, OnBuild: x.OnBuild, Shell: x.Shell},
		RootFS: img.RootFS, History: img.History,
	})
}

// Parse reads an image config, OCI or docker, with Docker's fields.
func Parse(b []byte) (v1.Image, Extras, error) {
	var img Image
	if err := json.Unmarshal(b, &img); err != nil {
		return v1.Image{}, Extras{}, fmt.Errorf("parsing image config: %w", err)
	}
	c := img.Config
	return v1.Image{Created: img.Created, Author: img.Author, Platform: img.Platform, Config: c.ImageConfig, RootFS: img.RootFS, History: img.History},
		Extras{Healthcheck: c.Healthcheck, OnBuild: c.OnBuild, Shell: c.Shell}, nil
}
