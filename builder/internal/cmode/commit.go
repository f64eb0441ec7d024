package cmode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	docker "github.com/fsouza/go-dockerclient"
	"github.com/hushbuild/hush/builder/internal/ociconv/dockercfg"
	digest "github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	bdocker "go.podman.io/buildah/docker"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
	"go.podman.io/storage/pkg/archive"
)

// baseImage is a stage's FROM as container isolation needs it: the storage
// layers to extract, bottom first, and the config to build on.
type baseImage struct {
	name   string // as the Dockerfile names it
	id     string // "" for scratch
	layers []storage.Layer
	config v1.Image
	extras dockercfg.Extras // Docker's fields the OCI config has no name for
}

// loadBase reads an image in storage (id "" is scratch).
func loadBase(ctx context.Context, store storage.Store, sys *types.SystemContext, name, id string) (*baseImage, error) {
	b := &baseImage{name: name, id: id}
	if id == "" {
		b.config = v1.Image{Platform: v1.Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH}, RootFS: v1.RootFS{Type: "layers"}}
		return b, nil
	}
	img, err := store.Image(id)
	if err != nil {
		return nil, fmt.Errorf("base image %s: %w", name, err)
	}
	for l := img.TopLayer; l != ""; {
		layer, err := store.Layer(l)
		if err != nil {
			return nil, fmt.Errorf("base image %s: layer %.12s: %w", name, l, err)
		}
		b.layers = append([]storage.Layer{*layer}, b.layers...)
		l = layer.Parent
	}
	ref, err := is.Transport.NewStoreReference(store, nil, id)
	if err != nil {
		return nil, err
	}
	src, err := ref.NewImage(ctx, sys)
	if err != nil {
		return nil, fmt.Errorf("base image %s: %w", name, err)
	}
	defer src.Close()
	// The raw config, not OCIConfig: that drops HEALTHCHECK, SHELL and
	// ONBUILD, which the stage inherits.
	raw, err := src.ConfigBlob(ctx)
	if err != nil {
		return nil, fmt.Errorf("base image %s: config: %w", name, err)
	}
	if b.config, b.extras, err = dockercfg.Parse(raw); err != nil {
		return nil, fmt.Errorf("base image %s: %w", name, err)
	}
	return b, nil
}

// dockerImage is the base's config as imagebuilder takes it.
func (b *baseImage) dockerImage() *docker.Image {
	c := b.config.Config
	dc := &docker.Config{
		Env: c.Env, Cmd: c.Cmd, Entrypoint: c.Entrypoint, WorkingDir: c.WorkingDir,
		User: c.User, Labels: c.Labels, StopSignal: c.StopSignal, ArgsEscaped: c.ArgsEscaped, //nolint:staticcheck // Docker's field, kept as BuildKit keeps it
		Shell: b.extras.Shell, OnBuild: b.extras.OnBuild,
	}
	if h := b.extras.Healthcheck; h != nil {
		dc.Healthcheck = &docker.HealthConfig{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout,
			StartPeriod: h.StartPeriod, StartInterval: h.StartInterval, Retries: h.Retries}
	}
	if len(c.ExposedPorts) > 0 {
		dc.ExposedPorts = map[docker.Port]struct{}{}
		for p := range c.ExposedPorts {
			dc.ExposedPorts[docker.Port(p)] = struct{}{}
		}
	}
	if len(c.Volumes) > 0 {
		dc.Volumes = map[string]struct{}{}
		for v := range c.Volumes {
			dc.Volumes[v] = struct{}{}
		}
	}
	return &docker.Image{Config: dc, Architecture: b.config.Architecture, OS: b.config.OS}
}

// stageImage is what a stage commits besides its layer.
type stageImage struct {
	config  *docker.Config // imagebuilder's, after the last instruction
	env     []string
	steps   []historyStep // one per instruction, as docker records them
	labels  []string
	created time.Time
	// owners rewrites the layer's owners (restricted isolation), or nil.
	owners func(io.ReadCloser) io.ReadCloser
}

// imageConfig builds the OCI config of the stage's image: the base's, with
// the stage's settings and one more layer.
func (b *baseImage) imageConfig(s stageImage, diffID digest.Digest) (v1.Image, dockercfg.Extras) {
	cfg := b.config
	c := s.config
	oc := v1.ImageConfig{
		User: c.User, Env: s.env, Entrypoint: c.Entrypoint, Cmd: c.Cmd, WorkingDir: c.WorkingDir,
		StopSignal: c.StopSignal, Labels: map[string]string{}, ArgsEscaped: c.ArgsEscaped, //nolint:staticcheck // Docker's field
	}
	x := dockercfg.Extras{Shell: c.Shell, OnBuild: c.OnBuild}
	if len(x.OnBuild) == 0 {
		x.OnBuild = nil
	}
	if h := c.Healthcheck; h != nil {
		x.Healthcheck = &bdocker.HealthConfig{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout,
			StartPeriod: h.StartPeriod, StartInterval: h.StartInterval, Retries: h.Retries}
	}
	if len(oc.Entrypoint) == 0 {
		oc.Entrypoint = nil
	}
	for k, v := range c.Labels {
		oc.Labels[k] = v
	}
	for _, kv := range s.labels {
		k, v, _ := strings.Cut(kv, "=")
		oc.Labels[k] = v
	}
	if len(oc.Labels) == 0 {
		oc.Labels = nil
	}
	if len(c.ExposedPorts) > 0 {
		oc.ExposedPorts = map[string]struct{}{}
		for p := range c.ExposedPorts {
			oc.ExposedPorts[string(p)] = struct{}{}
		}
	}
	if len(c.Volumes) > 0 {
		oc.Volumes = map[string]struct{}{}
		for v := range c.Volumes {
			oc.Volumes[v] = struct{}{}
		}
	}
	created := s.created.UTC()
	cfg.Created = &created
	cfg.Config = oc
	cfg.Platform = v1.Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH}
	cfg.RootFS = v1.RootFS{Type: "layers", DiffIDs: append(append([]digest.Digest{}, b.config.RootFS.DiffIDs...), diffID)}
	cfg.History = append(append([]v1.History{}, b.config.History...), s.history(b.name, &created)...)
	return cfg, x
}

// commitStage writes the stage's changes as one layer on top of its base
// and stores the image, unnamed, returning its id. The changes stream
// from / straight into the store (PutLayer computes the layer's digest on
// the way): no tar in the staging area, and no second copy that
// containers/image would stage before applying it. The manifest and
// config go in as containers/image's storage destination writes them, so
// the guard, the outputs and pushes read the image as any other.
func commitStage(ctx context.Context, store storage.Store, sys *types.SystemContext, staging, root string, ch []archive.Change, base *baseImage, s stageImage) (string, error) {
	rc, err := archive.ExportChanges(root, ch, nil, nil)
	if err != nil {
		return "", fmt.Errorf("writing the stage's layer: %w", err)
	}
	if s.owners != nil {
		// Restricted isolation: the owners and modes a root build gives.
		rc = s.owners(rc)
	}
	parent := ""
	if n := len(base.layers); n > 0 {
		parent = base.layers[n-1].ID
	}
	layer, _, err := store.PutLayer("", parent, nil, "", false, nil, rc)
	rc.Close()
	if err != nil {
		return "", fmt.Errorf("writing the stage's layer: %w", err)
	}
	keep := false
	defer func() {
		if !keep {
			_ = store.DeleteLayer(layer.ID)
		}
	}()
	cfg, extras := base.imageConfig(s, layer.UncompressedDigest)
	cfgBytes, err := dockercfg.Marshal(cfg, extras)
	if err != nil {
		return "", err
	}
	cfgDigest := digest.FromBytes(cfgBytes)
	m := v1.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageManifest,
		Config: v1.Descriptor{MediaType: v1.MediaTypeImageConfig, Digest: cfgDigest, Size: int64(len(cfgBytes))}}
	for _, l := range append(append([]storage.Layer{}, base.layers...), *layer) {
		if l.UncompressedDigest == "" {
			return "", fmt.Errorf("layer %.12s has no known digest", l.ID)
		}
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: v1.MediaTypeImageLayer, Digest: l.UncompressedDigest, Size: l.UncompressedSize})
	}
	mBytes, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	mDigest := digest.FromBytes(mBytes)
	id := cfgDigest.Encoded()
	img, err := store.CreateImage(id, nil, layer.ID, "{}", &storage.ImageOptions{
		CreationDate: *cfg.Created, Digest: mDigest,
		BigData: []storage.ImageBigDataOption{
			{Key: cfgDigest.String(), Data: cfgBytes, Digest: cfgDigest},
			{Key: storage.ImageDigestManifestBigDataNamePrefix + "-" + mDigest.String(), Data: mBytes, Digest: mDigest},
			{Key: storage.ImageDigestBigDataKey, Data: mBytes, Digest: mDigest},
		},
	})
	if errors.Is(err, storage.ErrDuplicateID) {
		// The same config (a rebuild with --source-date-epoch): the image
		// is there already, with its own layer.
		return id, nil
	}
	if err != nil {
		return "", fmt.Errorf("committing the stage's image: %w", err)
	}
	keep = true
	return img.ID, nil
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// mergeEnv returns base with each of over's KEY=VALUE replacing the same
// key, new keys appended in order.
func mergeEnv(base, over []string) []string {
	out := append([]string{}, base...)
	index := map[string]int{}
	for i, kv := range out {
		k, _, _ := strings.Cut(kv, "=")
		index[k] = i
	}
	for _, kv := range over {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := index[k]; ok {
			out[i] = kv
			continue
		}
		index[k] = len(out)
		out = append(out, kv)
	}
	return out
}
