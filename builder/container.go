package builder

import (
	"github.com/hushbuild/hush/builder/internal/cmode"
	"github.com/hushbuild/hush/builder/internal/rundir"
	"github.com/hushbuild/hush/internal/isolation"
	"go.podman.io/buildah/define"
)

// containerBlobCache moves containers/image's blob info cache (which
// compressed blob, in which repository, each pulled layer came from) off
// the container's /, where container mode clears it with every stage
// (its default place is /var/lib/containers/cache): the push finds the
// base's own blobs through it and neither recompresses nor uploads them
// again. The bases are pulled before container mode starts (the cache
// keys resolve them), so it is set here. The per-user tmpfs directory
// stagecache's pulls use is a mount, on container mode's ignore list.
func (p *plan) containerBlobCache() {
	if p.sys == nil || p.sys.BlobInfoCacheDir != "" {
		return
	}
	base, err := rundir.TmpfsBase()
	if err != nil {
		return
	}
	if dir := base + ".blobinfo"; rundir.EnsurePrivateDir(dir) == nil {
		p.sys.BlobInfoCacheDir = dir
	}
}

// containerJob is what container isolation (builder/internal/cmode) takes
// of the plan: no formatted mount strings, the typed --secret specs.
func (p *plan) containerJob() cmode.Job {
	keep := make([]string, 0, len(p.outputs))
	for _, o := range p.outputs {
		keep = append(keep, o.Dest)
	}
	return cmode.Job{
		Dockerfile: p.dockerfile, ContextDir: p.opts.ContextDirectory,
		Args: p.opts.Args, Target: p.opts.Target, Labels: p.opts.Labels,
		SourceDateEpoch: p.opts.SourceDateEpoch, PullPolicy: p.opts.PullPolicy,
		Layers: p.opts.Layers, NoNetwork: p.opts.ConfigureNetwork == define.NetworkDisabled,
		Restricted: p.isolation == IsolationRestricted, Root: isolation.RestrictedRoot,
		Sys:    p.sys,
		Report: p.opts.ReportWriter, Stdout: p.opts.Out, Stderr: p.opts.Err, Warn: p.stderr,
		Values: p.secrets.Loaded(), Mounts: p.secrets.mounts,
		BuildDir: p.buildDir, Keep: keep,
		Defer: func(f func()) { p.undo = append(p.undo, f) },
	}
}
