package builder

import (
	"context"

	"github.com/hushbuild/hush/builder/internal/stagecache"
	"go.podman.io/buildah/define"
	"go.podman.io/storage"
)

// CacheExport is one --cache-to registry repository.
type CacheExport = stagecache.Export

// applyCache sets up the build's caches (builder/internal/stagecache) from
// o and, with --layers, buildah's own cache options. Last in prepare: the
// stage keys cover every option set before.
func (p *plan) applyCache(o Options) error {
	c, err := stagecache.New(stagecache.Config{
		Dockerfile: p.dockerfile, ContextDir: p.opts.ContextDirectory,
		Args: o.BuildArgs, Target: o.Target,
		Layers: p.opts.Layers, NoCache: o.NoCache, NoCacheFilter: o.NoCacheFilter, Pull: o.Pull,
		CacheTo: o.CacheTo, CacheFrom: o.CacheFrom, BuildContexts: o.BuildContexts,
		Platform: o.Platform, Network: o.Network, ShmSize: o.ShmSize,
		Ulimits: p.opts.CommonBuildOpts.Ulimit, AddHosts: o.AddHosts, SSH: o.SSH,
		SourceDateEpoch: o.SourceDateEpoch, Labels: o.Labels, Annotations: o.Annotations,
		Secrets: o.Secrets, Values: p.secrets.Loaded(),
		Single: p.isolation == IsolationContainer || p.isolation == IsolationRestricted, Guarded: p.guarded(),
		Sys: p.sys, Stderr: p.stderr, Out: p.opts.Out, Report: p.opts.ReportWriter,
	})
	if err != nil {
		return err
	}
	c.Apply(&p.opts)
	p.cache = c
	return nil
}

// cacheRunner runs buildah for the stage cache: the build as asked, or
// one stage of a rewritten Dockerfile.
type cacheRunner struct{ p *plan }

func (r cacheRunner) Run(ctx context.Context, store storage.Store) (string, error) {
	return r.p.run(ctx, store)
}

func (r cacheRunner) RunStage(ctx context.Context, store storage.Store, s stagecache.Stage) (string, error) {
	p := r.p
	saved, savedDF := p.opts, p.dockerfile
	defer func() { p.opts, p.dockerfile = saved, savedDF }()
	if p.opts.IgnoreFile == "" {
		p.opts.IgnoreFile = s.IgnoreFile
	}
	p.dockerfile = s.Dockerfile
	p.opts.Args = s.Args
	if p.opts.PullPolicy == define.PullAlways {
		// The keys pulled every base already; buildah refuses to pull
		// the `FROM <id>` of a reduced stage.
		p.opts.PullPolicy = define.PullIfMissing
	}
	if s.Target != "" {
		p.opts.Target = s.Target
		p.opts.Labels, p.opts.Annotations = nil, nil
	}
	return p.run(ctx, store)
}
