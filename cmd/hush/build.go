package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hushbuild/hush/builder"
	"github.com/hushbuild/hush/secrets"
)

// buildOptions are `hush build`'s flags, as docker build names them.
type buildOptions struct {
	tags, buildArgs, labels, secrets, ssh, outputs []string
	file, target, platform, network, progress      string
	iidFile, metadataFile, authFile, runtime       string
	sourceDateEpoch, isolation, format             string
	noCache, pull, quiet, layers, push, tlsVerify  bool
	forceContainer                                 bool
	platformParallel                               int
	storage                                        storageFlags
	docker                                         dockerFlags
	legacy                                         legacyFlags
}

func newBuildCommand() *cobra.Command { return buildCommand(&buildOptions{}) }

// buildCommand binds the flags to o; tests read o after parsing.
func buildCommand(o *buildOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "build [flags] CONTEXT",
		Short: "Build an image from a Dockerfile, keeping build secrets out of it",
		Long: `Build an image from a Dockerfile, as docker build does, without a daemon.
CONTEXT is a directory, or - to read stdin: a tar archive (plain, gzip, bzip2,
xz or zstd) is the context; anything else is the Dockerfile, with an empty
context. -f - reads the Dockerfile from stdin for a CONTEXT directory.
Build output goes to stderr; the image id is printed on stdout.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), args[0], cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&o.tags, "tag", "t", nil, "name:tag for the image (repeatable)")
	f.StringVarP(&o.file, "file", "f", "", "Dockerfile path (default CONTEXT/Dockerfile)")
	f.StringArrayVar(&o.buildArgs, "build-arg", nil, "ARG value as KEY=VALUE, or KEY to take it from the environment (repeatable)")
	f.StringVar(&o.target, "target", "", "stage to build (default: the last)")
	f.StringArrayVar(&o.labels, "label", nil, "label KEY=VALUE (repeatable)")
	f.BoolVar(&o.noCache, "no-cache", false, "run every step: no cached layer (--layers) or stage (default mode) is used")
	f.Var(pullFlag{&o.pull}, "pull", "always pull base images (default: only if missing); podman's --pull=always|missing|newer also work")
	f.Lookup("pull").NoOptDefVal = "true"
	f.StringVar(&o.platform, "platform", "", "target platform os/arch[/variant], or a comma list of them: one build per platform, joined into one OCI index under the tags (RUN on a foreign platform needs qemu-user in binfmt_misc: hush doctor)")
	f.IntVar(&o.platformParallel, "platform-parallel", 0, "how many platforms build at once (default 1; more is faster but a refusal may then exit 1, not 3: docs/platforms.md)")
	f.StringVar(&o.network, "network", "host", "network for RUN steps: host or none")
	f.StringVar(&o.iidFile, "iidfile", "", "write the image id (sha256:...) to this file")
	f.StringVar(&o.metadataFile, "metadata-file", "", "write JSON metadata (image id, digest, tags) to this file")
	f.StringVar(&o.progress, "progress", "", "progress output: plain, json (JSON lines on stderr), or quiet (as -q); auto and tty are plain (default $BUILDKIT_PROGRESS, else plain)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print only the image id")
	f.StringVar(&o.format, "format", "oci", "image media types: oci or docker (both keep HEALTHCHECK, SHELL and ONBUILD in the config)")
	f.BoolVar(&o.layers, "layers", false, "commit and cache one layer per instruction (default: one clean layer per stage)")
	f.BoolVar(&o.push, "push", false, "push every tag to its registry (same as -o type=registry)")
	f.BoolVar(&o.tlsVerify, "tls-verify", true, "require HTTPS and verified certificates for registries")
	f.StringVar(&o.authFile, "authfile", "", "registry credentials file (default: $REGISTRY_AUTH_FILE, containers' auth.json, then $DOCKER_CONFIG/config.json or ~/.docker/config.json)")
	f.StringArrayVar(&o.secrets, "secret", nil, "secret: id=ID[,src=PATH|env=VAR|cmd=COMMAND][,type=file|env][,target=PATH,mode=,uid=,gid=][,arg=NAME][,rotate=true][,max-size=1MiB][,nonregular=true][,allow-short=true] (repeatable)")
	f.StringArrayVar(&o.ssh, "ssh", nil, "SSH agent or keys for RUN --mount=type=ssh: default or ID=PATH[,PATH] (repeatable)")
	f.StringArrayVarP(&o.outputs, "output", "o", nil, "extra output: type=oci,dest=DIR | type=docker,dest=FILE.tar | type=local,dest=DIR | type=tar,dest=FILE | type=registry (repeatable)")
	f.StringVar(&o.sourceDateEpoch, "source-date-epoch", os.Getenv("SOURCE_DATE_EPOCH"), "Unix time to pin image timestamps to (default $SOURCE_DATE_EPOCH)")
	f.StringVar(&o.runtime, "runtime", os.Getenv("BUILDAH_RUNTIME"), "OCI runtime for RUN (default: runc, else crun)")
	f.StringVar(&o.isolation, "isolation", "auto", "isolation of RUN steps: auto, oci, rootless, chroot, container or restricted (auto: the strongest that works here)")
	f.BoolVar(&o.forceContainer, "force-container", false, "allow --isolation container where hush sees no container (it rewrites /)")
	o.storage.register(cmd)
	o.docker.register(cmd)
	o.legacy.register(cmd)
	return cmd
}

// run converts flags to builder.Options in one place and makes one call.
func (o *buildOptions) run(ctx context.Context, contextArg string, stdin io.Reader, stdout, stderr io.Writer) error {
	opts, err := o.toOptions(contextArg, stdin)
	if err != nil {
		return usageError{err}
	}
	for _, n := range o.legacy.notes {
		fmt.Fprintln(stderr, n)
	}
	logw, done := progressWriter(o.progress, stderr)
	defer done()
	logTo := io.Discard
	if !o.quiet {
		// Instruction echoes (on Stdout) are cut to a readable length.
		echo := newStepEcho(logw)
		defer func() { _ = echo.Flush() }()
		opts.Stdout, opts.Stderr = echo, logw
		logTo = logw
	}
	// The libraries' process-wide log goes where the build's does: one
	// build per process here.
	builder.SetLogOutput(logTo)
	opts.Secrets, opts.SecretStore = takeEnvSecrets(opts.Secrets)
	res, err := builder.Build(ctx, opts)
	if err != nil {
		return err
	}
	if err := writeResultFiles(o, res); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sha256:%s\n", res.ImageID)
	return nil
}

func (o *buildOptions) toOptions(contextArg string, stdin io.Reader) (builder.Options, error) {
	opts := builder.Options{
		ContextDir: contextArg, Dockerfile: o.file, Tags: o.tags, Target: o.target,
		Labels: o.labels, NoCache: o.noCache, Pull: o.pull, Platform: o.platform,
		Network: o.network, Layers: o.layers, SSH: o.ssh, AuthFile: authFile(o.authFile),
		Storage: o.storage.options(), Runtime: o.runtime, Quiet: o.quiet,
		Format: builder.ImageFormat(o.format),
	}
	var err error
	if opts.Isolation, err = builder.ParseIsolation(o.isolation); err != nil {
		return opts, err
	}
	opts.ForceContainer = o.forceContainer
	opts.PlatformParallel = o.platformParallel
	if contextArg == "-" || o.file == "-" {
		if contextArg == "-" && o.file == "-" {
			return opts, fmt.Errorf("--file - and context - both read stdin: give one of them a path")
		}
		in, err := readStdin(stdin, contextArg, o.file)
		if err != nil {
			return opts, err
		}
		switch {
		case in.archive != nil:
			opts.ContextDir, opts.ContextArchive = "", in.archive
		case contextArg == "-":
			opts.ContextDir, opts.DockerfileContent = "", in.dockerfile
		default:
			opts.Dockerfile, opts.DockerfileContent = "", in.dockerfile
		}
	}
	if err := o.legacy.apply(o, &opts); err != nil {
		return opts, err
	}
	if !o.tlsVerify {
		v := false
		opts.TLSVerify = &v
	}
	if opts.BuildArgs, err = buildArgs(o.buildArgs); err != nil {
		return opts, err
	}
	for _, l := range o.labels {
		if !strings.Contains(l, "=") {
			return opts, fmt.Errorf("--label %q: want KEY=VALUE", l)
		}
	}
	for _, s := range o.secrets {
		sp, err := secrets.ParseSpec(s)
		if err != nil {
			return opts, err
		}
		opts.Secrets = append(opts.Secrets, sp)
	}
	if opts.DockerOptions, err = o.docker.options(); err != nil {
		return opts, err
	}
	if opts.Attestations, err = o.docker.attestations(); err != nil {
		return opts, err
	}
	if opts.Outputs, err = parseOutputs(o.outputs, o.push); err != nil {
		return opts, err
	}
	opts.Outputs, opts.Load = loadOutputs(opts.Outputs, opts.Load)
	if o.sourceDateEpoch != "" {
		// The whole value, as docker reads it: Sscanf took "12abc" for 12.
		sec, err := strconv.ParseInt(o.sourceDateEpoch, 10, 64)
		if err != nil || sec < 0 {
			return opts, fmt.Errorf("--source-date-epoch (or $SOURCE_DATE_EPOCH): want a non-negative Unix time in seconds")
		}
		t := time.Unix(sec, 0).UTC()
		opts.SourceDateEpoch = &t
	}
	return opts, nil
}

// buildArgs follows docker: KEY=VALUE, or KEY alone to read $KEY.
func buildArgs(in []string) (map[string]string, error) {
	args := map[string]string{}
	for _, a := range in {
		k, v, ok := strings.Cut(a, "=")
		if k == "" {
			return nil, fmt.Errorf("--build-arg: empty name")
		}
		if !ok {
			var set bool
			if v, set = os.LookupEnv(k); !set {
				continue
			}
		}
		args[k] = v
	}
	return args, nil
}

// parseOutputs reads -o values: type=oci|docker,dest=PATH or type=registry.
func parseOutputs(in []string, push bool) ([]builder.Output, error) {
	var outs []builder.Output
	for _, s := range in {
		var out builder.Output
		if !strings.Contains(s, "=") {
			s = "type=local,dest=" + s // docker: -o DIR
		}
		for _, field := range strings.Split(s, ",") {
			k, v, _ := strings.Cut(field, "=")
			switch k {
			case "type":
				out.Type = builder.OutputType(v)
			case "dest":
				out.Dest = v
			case "push":
				if v == "true" {
					out.Type = builder.OutputRegistry
				}
			case "name":
				// docker's type=image,name=... is --tag's job here.
			default:
				return nil, fmt.Errorf("--output %q: unknown key %q", s, k)
			}
		}
		if out.Type == "image" || out.Type == "" && out.Dest == "" {
			continue // local storage always gets the image
		}
		outs = append(outs, out)
	}
	if push {
		outs = append(outs, builder.Output{Type: builder.OutputRegistry})
	}
	return outs, nil
}

// writeResultFiles writes --iidfile and --metadata-file, the latter with
// docker buildx's key names so existing CI scripts can read it.
func writeResultFiles(o *buildOptions, res *builder.Result) error {
	if o.iidFile != "" {
		if err := os.WriteFile(o.iidFile, []byte("sha256:"+res.ImageID), 0o644); err != nil {
			return fmt.Errorf("writing --iidfile: %w", err)
		}
	}
	if o.metadataFile != "" {
		md := map[string]any{
			"containerimage.config.digest": "sha256:" + res.ImageID,
			"containerimage.digest":        res.Digest,
			"image.name":                   strings.Join(res.Tags, ","),
			"tags":                         res.Tags,
		}
		if len(res.Platforms) > 0 {
			// An index has no config: buildx writes none either.
			delete(md, "containerimage.config.digest")
		}
		b, _ := json.MarshalIndent(md, "", "  ")
		if err := os.WriteFile(o.metadataFile, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("writing --metadata-file: %w", err)
		}
	}
	return nil
}
