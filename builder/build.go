package builder

import (
	"context"
	"errors"
	"fmt"
	"github.com/hushbuild/hush/audit"
	"github.com/hushbuild/hush/builder/internal/guard"
	"github.com/hushbuild/hush/builder/internal/index"
	"github.com/hushbuild/hush/builder/internal/recovery"
	"github.com/hushbuild/hush/builder/internal/stagecache"
	"github.com/hushbuild/hush/internal/platforms"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/trace"
	"slices"

	"github.com/hushbuild/hush/builder/internal/cmode"
	"github.com/hushbuild/hush/builder/internal/ctrdir"
	"github.com/hushbuild/hush/builder/internal/logsink"
	"github.com/hushbuild/hush/builder/internal/rundir"
	"github.com/hushbuild/hush/builder/internal/storestate"
	"github.com/hushbuild/hush/internal/localstore"
	"github.com/hushbuild/hush/secrets"
	"github.com/hushbuild/hush/secrets/archive"
	"github.com/hushbuild/hush/secrets/pattern"
	digest "github.com/opencontainers/go-digest"
	"go.podman.io/buildah/define"
	"go.podman.io/buildah/imagebuildah"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
)

// Build builds the Dockerfile Options name and returns the image it made.
// On error nothing is tagged and the build's containers are removed.
func Build(ctx context.Context, o Options) (*Result, error) {
	if wantsIndex(o) {
		return buildIndex(ctx, o) // multiplatform.go
	}
	p, err := prepare(ctx, o)
	if err != nil {
		// prepare's errors name fields, paths and ids, never values: an
		// *OptionError, or what kept the build from starting.
		return nil, err
	}
	defer p.cleanup()
	res, err := p.build(ctx)
	return res, redactErr(p.set, err)
}

func (p *plan) build(ctx context.Context) (*Result, error) {
	if err := p.checkInputs(); err != nil {
		return nil, err
	}
	// The process-wide log (internal/logsink) redacts this build's
	// secrets while it runs; buildah's own per-build logger writes to
	// p.stderr.
	logsink.Install()
	defer logsink.Register(p.all)()
	store, err := p.openStore(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _, _ = store.Shutdown(false) }()
	b, err := p.produce(ctx, store)
	if err != nil {
		return nil, err
	}
	res, err := p.finish(ctx, store, b.id)
	if err != nil {
		p.cache.Discard(store, "")
		return nil, &ImageError{ImageID: b.id, Err: err}
	}
	p.cache.Export(ctx, store, b.before, b.id)
	return res, nil
}

// openStore opens the build's store and cleans up after killed builds.
func (p *plan) openStore(ctx context.Context) (storage.Store, error) {
	r := trace.StartRegion(ctx, "open-store") // regions: docs/performance.md
	so := localstore.Options{Root: p.storage.Root, RunRoot: p.storage.RunRoot, Driver: p.storage.Driver, VFSOnly: p.isolation == IsolationContainer || p.isolation == IsolationRestricted}
	store, err := localstore.Open(so, p.stderr)
	r.End()
	if err != nil {
		return nil, err
	}
	r = trace.StartRegion(ctx, "sweep")
	_, err = recovery.Sweep(ctx, store, p.opts.Runtime, false)
	r.End()
	if err != nil {
		fmt.Fprintf(p.stderr, "warning: cleaning up after earlier killed builds: %v\n", err)
	}
	return store, nil
}

// built is an image the guard passed, not yet tagged or published, and
// the store as it was before the build made it.
type built struct {
	id     string
	before storestate.Snapshot
}

// produce builds the image and has the guard scan it; on error what the
// build made is gone.
func (p *plan) produce(ctx context.Context, store storage.Store) (built, error) {
	r := trace.StartRegion(ctx, "snapshot-journal")
	before, err := storestate.Take(store)
	if err != nil {
		return built{}, err
	}
	if p.buildDir != "" {
		if err := recovery.WriteJournal(p.buildDir, store.GraphRoot(), before); err != nil {
			return built{}, err
		}
	}
	r.End()
	// One engine per build: prescan scans the blobs buildah writes with
	// it, the guard what prescan did not see.
	var eng *audit.Engine
	var pre *guard.Prescan
	if p.guarded() {
		eng = audit.NewEngine(p.set, false)
		pre = guard.StartPrescan(p.tmpDir, eng)
	}
	r = trace.StartRegion(ctx, "buildah")
	id, err := p.cache.Run(ctx, store, before, cacheRunner{p})
	r.End()
	pre.Stop()
	if err != nil {
		return built{}, p.hintEmulation(err)
	}
	r = trace.StartRegion(ctx, "oci-image")
	id, err = p.toFormat(ctx, store, before, id)
	r.End()
	if err != nil {
		p.cache.Discard(store, "")
		return built{}, err
	}
	if p.guarded() {
		r = trace.StartRegion(ctx, "guard")
		findings, err := guard.Run(ctx, store, guard.Request{
			Before: p.cache.WithRemoteBases(store, p.cache.GuardSnapshot(before)), Final: id,
			Engine: eng, Prescan: pre, Verdicts: guard.OpenVerdicts(p.all), Workers: runtime.GOMAXPROCS(0),
		})
		r.End()
		if errors.Is(err, archive.ErrIncomplete) {
			err = &GuardError{Findings: findings, Incomplete: err}
		}
		if err == nil && len(findings) > 0 {
			findings = p.cache.DropDirty(store, id, findings)
		}
		if err == nil && len(findings) > 0 {
			err = &GuardError{Findings: findings}
		}
		if err != nil {
			guard.RemoveBuilt(store, before, id, findings)
			p.cache.Discard(store, "")
			return built{}, err
		}
	}
	if err := p.describeGuard(store, before, id); err != nil {
		p.cache.Discard(store, "")
		return built{}, &ImageError{ImageID: id, Err: err}
	}
	return built{id: id, before: before}, nil
}

// run hands the prepared build to buildah and returns the new image's id.
func (p *plan) run(ctx context.Context, store storage.Store) (string, error) {
	if p.isolation == IsolationContainer || p.isolation == IsolationRestricted {
		// Container isolation makes one file per step and secret itself:
		// its steps run beside hush, so no file may hold a secret a step
		// does not mount.
		return cmode.Run(ctx, store, p.containerJob())
	}
	if err := p.secrets.place(p.buildDir); err != nil {
		return "", err
	}
	p.opts.CommonBuildOpts.Secrets = p.secrets.specs
	if p.secrets.sensitive() {
		// The RUN steps' secret copies go to the build's tmpfs directory.
		store = ctrdir.Wrap(store, filepath.Join(p.buildDir, "containers"))
	}
	// On SIGINT/SIGTERM, end this build's running step at once; buildah
	// then fails the build and removes its container.
	stop := context.AfterFunc(ctx, func() { rundir.KillBuildSteps(context.Background(), p.opts.Runtime, p.containerSuffix()) })
	defer stop()
	id, _, err := imagebuildah.BuildDockerfiles(ctx, store, p.opts, p.dockerfile)
	if err != nil {
		return "", &StepError{Err: fmt.Errorf("building: %w", err)}
	}
	return id, nil
}

// plan is Options checked and turned into buildah's terms, plus what must be
// undone when the build ends.
type plan struct {
	opts       define.BuildOptions
	dockerfile string
	tags       []string
	outputs    []Output
	sys        *types.SystemContext
	secrets    *delivery
	set        *pattern.Set     // the --secret values and credential-named build args: guard and redactor
	all        []secrets.Secret // the values behind set, the build's one list of them
	redactors  map[io.Writer]*pattern.Redactor
	buildArgs  map[string]string
	storage    StorageOptions
	nonce      string // tells this build's directory and containers from the process's others
	buildDir   string // on tmpfs: journal, secret files, container directories; "" where there is no tmpfs
	tmpDir     string // the process's tmpfs TMPDIR, for a build that carries secrets
	stderr     io.Writer
	cache      *stagecache.Cache  // the stage and registry caches; nil: none
	format     ImageFormat        // as resolved: never ""
	isolation  Isolation          // as resolved: never auto
	platform   platforms.Platform // --platform's one platform; zero: the host's, as asked
	attest     attestPlan         // attest.go
	guardRep   guard.Report       // what the guard read, for the guard attestation
	// attach, when set, gives the extra manifests (attestations) that go
	// into a multi-platform index beside the image id, whose manifest as
	// pushed has digest image (multiplatform.go, stageIndex).
	attach func(ctx context.Context, store storage.Store, id string, image digest.Digest) ([]index.Attachment, error)
	undo   []func()
}

func (p *plan) cleanup() {
	for i := len(p.undo) - 1; i >= 0; i-- {
		p.undo[i]()
	}
}

// prepare validates everything that can be checked before touching storage,
// so bad input fails fast and leaves nothing behind.
func prepare(ctx context.Context, o Options) (_ *plan, err error) {
	p := &plan{stderr: orDiscard(o.Stderr), buildArgs: o.BuildArgs, storage: o.Storage, nonce: rundir.Nonce()}
	defer func() {
		if err != nil {
			p.cleanup()
		}
	}()
	contextDir, dockerfile, err := p.locate(ctx, o)
	if err != nil {
		return nil, err
	}
	p.dockerfile = dockerfile
	if err := checkDockerfile(dockerfile); err != nil {
		return nil, badOption("", err) // the message names the line
	}
	for _, t := range o.Tags {
		nt, err := storestate.Qualify(t)
		if err != nil {
			return nil, badOption("Tags", err)
		}
		p.tags = append(p.tags, nt.String())
	}
	if p.outputs, err = checkOutputs(o.Outputs, p.tags); err != nil {
		return nil, badOption("Outputs", err)
	}
	rt, err := pickRuntime(o.Runtime)
	if err != nil && o.Runtime != "" {
		return nil, badOption("Runtime", err)
	} else if err != nil {
		return nil, err // none installed: the machine's, not the input's
	}
	if p.secrets, err = deliver(ctx, o.Secrets, o.SecretStore); err != nil {
		if ctx.Err() != nil {
			return nil, err // interrupted while reading a source, not a bad option
		}
		return nil, badOption("Secrets", err)
	}
	p.undo = append(p.undo, p.secrets.close)
	p.all = append(append([]secrets.Secret(nil), p.secrets.Loaded()...), credentialArgs(o.BuildArgs)...)
	p.set = pattern.NewSet(p.all...)
	if err := p.checkShort(o.Secrets); err != nil {
		return nil, badOption("Secrets", err)
	}
	p.stderr = p.redact(p.stderr)
	stdout := p.redact(orDiscard(o.Stdout))
	if err := p.makeBuildDir(p.secrets.sensitive() || len(o.SSH) > 0); err != nil {
		return nil, err
	}
	ns, netPolicy, err := network(o.Network)
	if err != nil {
		return nil, badOption("Network", err)
	}
	p.sys = systemContext(o)
	// containers/image stages each committed layer blob in a temporary
	// directory (default /var/tmp, persistent disk): for a build with
	// secrets, the build's tmpfs directory, swept with it.
	if p.tmpDir != "" {
		p.sys.BigFilesTemporaryDir = p.buildDir
	}
	if err := p.setPlatform(o.Platform); err != nil {
		return nil, badOption("Platform", err)
	}
	for _, s := range o.SSH {
		if s == "" {
			return nil, badOption("SSH", errors.New("empty value"))
		}
	}
	pull := define.PullIfMissing
	if o.Pull {
		pull = define.PullAlways
	}
	isolation, err := p.setupIsolation(o)
	if err != nil {
		return nil, badOption("Isolation", err)
	}
	out := stdout
	p.opts = define.BuildOptions{
		ContextDirectory:        contextDir,
		PullPolicy:              pull,
		Quiet:                   o.Quiet,
		Isolation:               isolation,
		Runtime:                 rt,
		Args:                    o.BuildArgs,
		Target:                  o.Target,
		Labels:                  o.Labels,
		Layers:                  o.Layers,
		NoCache:                 o.NoCache,
		ContainerSuffix:         p.containerSuffix(),
		RemoveIntermediateCtrs:  true,
		ForceRmIntermediateCtrs: true,
		SystemContext:           p.sys,
		NamespaceOptions:        ns,
		ConfigureNetwork:        netPolicy,
		NetworkInterface:        noNetwork{},
		TransientRunMounts:      p.secrets.runMounts,
		SourceDateEpoch:         o.SourceDateEpoch,
		RewriteTimestamp:        o.SourceDateEpoch != nil,
		Out:                     out,
		Err:                     p.stderr,
		ReportWriter:            p.stderr,
		In:                      nil,
		CommonBuildOpts: &define.CommonBuildOptions{
			Ulimit: clampedUlimits(),
			// Secrets: filled in by run, for the modes that use buildah.
			SSHSources:    o.SSH,
			IdentityLabel: types.OptionalBoolFalse,
		},
	}
	if o.Quiet {
		p.opts.ReportWriter = io.Discard
		p.opts.Out = io.Discard
	}
	if err := p.applyFormat(o.Format); err != nil {
		return nil, badOption("Format", err)
	}
	if err := p.applyDocker(o); err != nil {
		return nil, badOption("", err) // its messages name the option
	}
	if err := p.planAttest(o); err != nil {
		return nil, badOption("Attestations", err)
	}
	return p, nil
}

// locate finds the context directory and the Dockerfile; a Dockerfile given
// as content is written to a private temporary file.
func (p *plan) locate(ctx context.Context, o Options) (string, string, error) {
	contextDir := o.ContextDir
	archived := "" // the Dockerfile's name inside a context archive
	if o.ContextArchive != nil {
		d, err := p.unpackContext(ctx, o.ContextArchive)
		if err != nil {
			return "", "", err
		}
		contextDir = d
		if o.Dockerfile != "" && !filepath.IsAbs(o.Dockerfile) {
			// docker: -f names a file inside the archive.
			archived = o.Dockerfile
			o.Dockerfile = filepath.Join(d, o.Dockerfile)
		}
	}
	if contextDir == "" {
		if o.DockerfileContent != nil {
			// `hush build -`: docker builds with an empty context.
			d, err := os.MkdirTemp("", "hush-context-")
			if err != nil {
				return "", "", fmt.Errorf("creating empty context: %w", err)
			}
			p.undo = append(p.undo, func() { os.RemoveAll(d) })
			contextDir = d
		} else {
			contextDir = "."
		}
	}
	abs, err := filepath.Abs(contextDir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return "", "", badOption("ContextDir", fmt.Errorf("%s: %w", contextDir, errors.Unwrap(err)))
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return "", "", badOption("ContextDir", fmt.Errorf("%s: not a directory", contextDir))
	}
	if o.DockerfileContent != nil {
		f, err := os.CreateTemp("", "hush-dockerfile-")
		if err != nil {
			return "", "", fmt.Errorf("saving Dockerfile from stdin: %w", err)
		}
		p.undo = append(p.undo, func() { os.Remove(f.Name()) })
		_, err = f.Write(o.DockerfileContent)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", "", fmt.Errorf("saving Dockerfile from stdin: %w", err)
		}
		return abs, f.Name(), nil
	}
	df := o.Dockerfile
	if df == "" {
		for _, name := range []string{"Containerfile", "Dockerfile"} {
			if _, err := os.Stat(filepath.Join(abs, name)); err == nil {
				df = filepath.Join(abs, name)
				if o.ContextArchive != nil {
					archived = name
				}
				break
			}
		}
		if df == "" {
			return "", "", badOption("Dockerfile", fmt.Errorf("no Dockerfile or Containerfile in build context %s", contextDir))
		}
	}
	if archived != "" {
		if err := checkArchiveFiles(abs, archived); err != nil {
			return "", "", err
		}
	}
	if fi, err := os.Stat(df); err != nil || fi.IsDir() {
		return "", "", badOption("Dockerfile", fmt.Errorf("%s: not found", df))
	}
	return abs, df, nil
}

// makeBuildDir creates the build's private tmpfs directory (rundir.go),
// which holds its journal (journal.go) and, for a build that carries
// secrets, the secret files and buildah's container directories; such a
// build also gets the process's tmpfs TMPDIR (tempdir.go). A build without
// secrets goes on without the directory where there is no tmpfs.
func (p *plan) makeBuildDir(sensitive bool) error {
	if p.buildDir == "" { // made already for a context archive (context.go)
		pdir, note, err := rundir.ProcessDir()
		dir := filepath.Join(pdir, rundir.BuildDirPrefix+p.nonce)
		if err == nil {
			err = os.Mkdir(dir, 0o700)
		}
		if err != nil {
			if !sensitive {
				return nil
			}
			return fmt.Errorf("build directory: %w", err)
		}
		if note != "" {
			fmt.Fprintf(p.stderr, "warning: %s\n", note)
		}
		p.buildDir = dir
		p.undo = append(p.undo, func() { os.RemoveAll(dir) })
	}
	if !sensitive {
		return nil
	}
	var err error
	p.tmpDir, err = rundir.SensitiveTempDir()
	return err
}

// containerSuffix names the build's containers: hush-<pid>-<start>-<nonce>;
// the sweep reads the owner tag in it.
func (p *plan) containerSuffix() string {
	return recovery.ContainerPrefix + rundir.OwnerTag() + "-" + p.nonce
}

func network(mode string) (define.NamespaceOptions, define.NetworkConfigurationPolicy, error) {
	switch mode {
	case "", "host", "default", "bridge":
		// docker's own default values ask for a step with network access;
		// the host's network is how hush gives one.
		return define.NamespaceOptions{{Name: "network", Host: true}}, define.NetworkEnabled, nil
	case "none":
		return define.NamespaceOptions{{Name: "network"}}, define.NetworkDisabled, nil
	default:
		return nil, 0, fmt.Errorf("%q: want host, none or default", mode)
	}
}

func systemContext(o Options) *types.SystemContext {
	sys := &types.SystemContext{AuthFilePath: o.AuthFile}
	if o.TLSVerify != nil && !*o.TLSVerify {
		sys.DockerInsecureSkipTLSVerify = types.OptionalBoolTrue
		sys.OCIInsecureSkipTLSVerify = true
	}
	return sys
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// checkShort refuses a --secret whose value yielded no pattern (under
// pattern.MinValue bytes once trimmed): the guard and the redactor could
// not find it, so it would leak unseen. allow-short=true accepts it, with
// a warning. It reads the build's one pattern set rather than deriving
// another per secret.
func (p *plan) checkShort(specs []secrets.Spec) error {
	for _, id := range p.set.Skipped() {
		i := slices.IndexFunc(specs, func(sp secrets.Spec) bool { return sp.ID == id })
		if i < 0 {
			continue // a credential-named build arg: guarded as before, when long enough
		}
		if !specs[i].AllowShort {
			return fmt.Errorf("secret %q: value too short to guard (under %d bytes); add allow-short=true to build with it unguarded", id, pattern.MinValue)
		}
		fmt.Fprintf(p.stderr, "hush: warning: secret %q is too short to guard (under %d bytes): neither the guard nor the log redaction will find it\n", id, pattern.MinValue)
	}
	return nil
}
