package builder

import (
	"fmt"

	"github.com/hushbuild/hush/builder/internal/dockerflags"
)

// DockerOptions are the `docker buildx build` options CI pipelines pass
// besides the core ones in Options. Zero values change nothing.
type DockerOptions struct {
	// BuildContexts are named extra contexts, NAME -> a directory or
	// docker-image://REF, for COPY --from=NAME and FROM NAME.
	BuildContexts map[string]string
	// AddHosts are HOST:IP (or HOST=IP) lines for RUN steps' /etc/hosts.
	AddHosts []string
	// Ulimits are NAME=SOFT[:HARD] limits for RUN steps; they replace hush's
	// defaults (the process's hard nofile and nproc limits) of the same name.
	Ulimits []string
	// ShmSize is the size of RUN steps' /dev/shm (e.g. 128m). Default 64m.
	ShmSize string
	// Annotations are KEY=VALUE annotations on the image manifest.
	Annotations []string
	// NoCacheFilter names stages that must not be taken from a cache.
	NoCacheFilter []string
	// CacheTo and CacheFrom are registry caches for --layers builds
	// (cache.go): --cache-to type=registry,ref=REF[,mode=min|max] and
	// --cache-from type=registry,ref=REF.
	CacheTo   []CacheExport
	CacheFrom []string
	// StageCache is accepted for compatibility: the default mode's stage
	// cache (cachestage.go) is on unless NoCache.
	StageCache bool
	// Load puts the image into the local Docker daemon under every tag
	// (load.go), as docker's --load. Needs at least one tag.
	Load bool
}

// applyDocker checks o's docker options and sets them on buildah's
// (internal/dockerflags translates them).
func (p *plan) applyDocker(opts Options) error {
	o := opts.DockerOptions
	if o.Load {
		if len(opts.Tags) == 0 {
			return fmt.Errorf("--load: needs a --tag to name the image in the Docker daemon")
		}
		names, err := dockerflags.DockerNames(opts.Tags)
		if err != nil {
			return err
		}
		p.outputs = append(p.outputs, Output{Type: OutputLoad, names: names})
	}
	f := dockerflags.Flags{BuildContexts: o.BuildContexts, AddHosts: o.AddHosts, Ulimits: o.Ulimits,
		ShmSize: o.ShmSize, Annotations: o.Annotations, NoCacheFilter: o.NoCacheFilter}
	if err := dockerflags.Apply(f, &p.opts, p.stderr); err != nil {
		return err
	}
	for _, sp := range opts.Secrets {
		if sp.Rotate && p.opts.Layers {
			return fmt.Errorf("--secret %s: rotate= applies to the default mode's build cache; --layers steps are keyed by buildah, without secret values", sp.ID)
		}
	}
	// Last: the cache key covers the options above.
	return p.applyCache(opts)
}
