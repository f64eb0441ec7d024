// Package stagecache owns the build cache: the default mode's cache per
// stage (stage keys from the Dockerfile, the build args, the context and
// the secrets' ids; entries in local storage as
// localhost/hush-build-cache:KEY and in --cache-from/--cache-to
// repositories as REPO:hush-KEY), the --layers registry cache of buildah's
// step entries, and resolving the base images the keys name. It runs
// buildah through a Runner it is handed, stage by stage or once.
//
// It must not import builder (which hands it a Config and a Runner), nor
// the guard, container mode or recovery: the guard's findings come back in
// as audit findings, and its outputs go through publish.
package stagecache

import (
	"context"
	"io"
	"time"

	"github.com/hushbuild/hush/secrets"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
)

// Config is what the cache needs of the build it serves.
type Config struct {
	Dockerfile, ContextDir string
	Args                   map[string]string // the build args as given
	Target                 string
	// Layers: buildah keys and caches each step itself (--layers); only
	// the registry entries are hush's.
	Layers        bool
	NoCache       bool
	NoCacheFilter []string
	Pull          bool // --pull: every base is pulled, and keyed by what was pulled
	CacheTo       []Export
	CacheFrom     []string
	BuildContexts map[string]string
	// What else enters a stage's key: the options that change what is
	// built (Ulimits as buildah gets them), and the labels and
	// annotations for the target stage.
	Platform, Network, ShmSize string
	Ulimits, AddHosts, SSH     []string
	SourceDateEpoch            *time.Time
	Labels, Annotations        []string
	// Secrets are the specs (ids and delivery options enter keys); Values
	// the loaded secrets, for rotate= keys.
	Secrets []secrets.Spec
	Values  []secrets.Secret
	// Single asks for one buildah run for the whole build, only the target
	// stage recorded (container isolation builds the stages itself).
	Single bool
	// Guarded: the guard runs after the build, so a base resolved at a
	// registry has its config's diff ids fetched for it.
	Guarded bool
	Sys     *types.SystemContext
	// Stderr gets hush's own lines; Out buildah's "--> Using cache" lines,
	// Report pull and push progress.
	Stderr, Out, Report io.Writer
}

// Runner runs buildah for the cache.
type Runner interface {
	// Run builds the Dockerfile as the build asked.
	Run(ctx context.Context, store storage.Store) (string, error)
	// RunStage builds a rewritten Dockerfile through one stage.
	RunStage(ctx context.Context, store storage.Store, s Stage) (string, error)
}

// Stage is one stage's buildah run: what differs from the build as asked.
type Stage struct {
	// Dockerfile is a temporary file holding the Dockerfile with the
	// stages already built reduced to `FROM <id>`.
	Dockerfile string
	// IgnoreFile is the original Dockerfile's ignore file (buildah would
	// look for one beside the temporary file), when the build named none.
	IgnoreFile string
	// Args are the build args without those only reduced stages declared.
	Args map[string]string
	// Target is the stage to build; "" for the target stage, which keeps
	// the labels and annotations the other stages go without. Every stage
	// run pulls only what is missing: the keys pulled every base already.
	Target string
}
