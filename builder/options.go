package builder

import (
	"io"
	"time"

	"github.com/hushbuild/hush/secrets"
	"go.podman.io/image/v5/docker/reference"
)

// Options describe one build. The zero value of every field is the sensible
// default, so Options{ContextDir: "."} builds ./Dockerfile into local storage.
type Options struct {
	// ContextDir is the build context. Default: the current directory.
	ContextDir string
	// Dockerfile is the Dockerfile's path. Default: Dockerfile (or
	// Containerfile) in ContextDir.
	Dockerfile string
	// DockerfileContent, when set, is used instead of reading Dockerfile
	// (`hush build -` reads it from stdin).
	DockerfileContent []byte
	// ContextArchive, when set, is a tar archive (plain, gzip, bzip2, xz or
	// zstd) unpacked into a private temporary directory that becomes the
	// context, as docker build reads one from stdin (`hush build - <
	// ctx.tar`). Dockerfile is then a path inside the archive. The directory
	// is removed when the build ends. Default nil: ContextDir is used.
	ContextArchive io.Reader
	// Tags name the image in local storage (and in a registry with Push).
	// Short names get docker's defaults: app -> localhost/app:latest.
	// Default: untagged, reachable by Result.ImageID.
	Tags []string
	// BuildArgs are ARG values, as --build-arg.
	BuildArgs map[string]string
	// Target is the stage to build. Default: the last one.
	Target string
	// Labels are key=value labels set on the image.
	Labels []string
	// NoCache builds every step: with Layers, buildah's layer cache is not
	// used; in the default mode, the stage cache (cachestage.go) neither
	// reuses nor, without CacheTo, records stages.
	NoCache bool
	// Pull always pulls base images. Default: pull only if missing.
	Pull bool
	// Platform is os/arch[/variant], or a comma-separated list of them:
	// one build per platform, joined into one OCI index stored and pushed
	// under the tags (multiplatform.go). Default: the host's.
	Platform string
	// PlatformParallel is how many platforms build at once. Default:
	// 1 (internal/platforms says why).
	PlatformParallel int
	// Network for RUN steps: "host" (default) or "none".
	Network string
	// Layers commits and caches one layer per instruction, as docker does.
	// Default false: one clean layer per stage, committed after the stage's
	// last step, so no intermediate state (a secret a step wrote and removed)
	// is ever committed.
	Layers bool
	// Secrets are the --secret specs: available to RUN --mount=type=secret,
	// and, with Target set, present at that path during every RUN step.
	Secrets []secrets.Spec
	// SecretStore gives the values of Secrets that name no source of their
	// own (no Src, Env or Cmd): a program holding values in memory passes
	// e.g. secrets.MapStore{"npm": token} and Spec{ID: "npm"}. The build
	// reads each value once, when it starts. Default nil: every spec needs
	// a source.
	SecretStore secrets.Store
	// SSH are --ssh values: "default" (the agent at $SSH_AUTH_SOCK) or
	// ID=PATH[,PATH] (an agent socket or key files).
	SSH []string
	// Outputs are extra destinations; local storage always gets the image.
	Outputs []Output
	// TLSVerify for registry pulls and pushes. Default: verify.
	TLSVerify *bool
	// AuthFile holds registry credentials. Default: containers' auth.json,
	// then docker's config.json.
	AuthFile string
	// Storage selects the containers-storage to use. Default: the same
	// store podman and buildah use (storage.conf).
	Storage StorageOptions
	// Runtime is the OCI runtime for RUN. Default: runc if installed, else crun.
	Runtime string
	// Isolation of RUN steps (isolation.go). Default: detected, the
	// strongest mode that works where hush runs.
	Isolation Isolation
	// ForceContainer lets IsolationContainer run where hush sees no
	// container. Container mode rewrites /: only for a disposable machine.
	ForceContainer bool
	// SourceDateEpoch, when set, pins timestamps in the image config,
	// history and layer contents, for reproducible output.
	SourceDateEpoch *time.Time
	// Format is the image's media types: FormatOCI (default) or
	// FormatDocker. Either way the config keeps HEALTHCHECK, SHELL and
	// ONBUILD (format.go).
	Format ImageFormat
	// Quiet suppresses step announcements and RUN output.
	Quiet bool
	// DockerOptions are further docker buildx flags (dockerflags.go).
	DockerOptions
	// Attestations beside a pushed or OCI-written image (attest.go).
	Attestations Attestations
	// Stdout receives step output; Stderr receives progress and warnings.
	// Default: io.Discard.
	Stdout, Stderr io.Writer
}

// StorageOptions override containers-storage's configured locations.
type StorageOptions struct {
	Root, RunRoot, Driver string
}

// OutputType is where an image is exported to besides local storage.
type OutputType string

// Output types, as docker build's -o type=... Each is one row of
// builder/internal/publish's table; every one is written only after the
// guard passed the image.
const (
	OutputOCI      OutputType = "oci"      // an OCI image layout directory
	OutputDocker   OutputType = "docker"   // a docker-archive tarball for `docker load`
	OutputRegistry OutputType = "registry" // push every tag
	// The image's filesystem rather than the image, as docker build's -o
	// type=local and type=tar.
	OutputLocal OutputType = "local" // the final filesystem, copied into a directory (files owned by you)
	OutputTar   OutputType = "tar"   // the final filesystem as one tar file (the image's owners kept)
	// OutputLoad puts the image into the local Docker daemon
	// ($DOCKER_HOST, default unix:///var/run/docker.sock), as docker
	// buildx build --load does: Skaffold and Tilt look for it there.
	OutputLoad OutputType = "load"
)

// Output is one -o destination.
type Output struct {
	Type OutputType
	// Dest is a directory (oci, local) or file (docker, tar). Unused for
	// registry.
	Dest string

	names []reference.NamedTagged // load: the tags as docker names them
}

// Result is what a successful build produced.
type Result struct {
	// ImageID is the config digest's hex, the id in local storage.
	ImageID string
	// Digest is the manifest digest (sha256:...).
	Digest string
	// Tags are the fully qualified names given to the image.
	Tags []string
	// Platforms, for a build of several platforms, are each platform's
	// image; ImageID is then the index's id in local storage (its digest
	// there) and Digest the index's (with a push, the registry's).
	Platforms []PlatformImage
}

// PlatformImage is one platform's image of a multi-platform build.
type PlatformImage struct {
	Platform string // os/arch[/variant]
	ImageID  string
}
