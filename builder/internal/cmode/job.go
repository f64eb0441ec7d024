// Package cmode owns container isolation: a build that runs its RUN steps
// in the root filesystem of the container hush itself runs in, with no
// namespaces and no mounts (for root in a container whose seccomp profile
// forbids them). It evaluates the Dockerfile with imagebuilder, extracts
// each stage's base over /, runs the steps there, commits each stage as one
// layer, and puts / back as it was; Sweep does the last part for a build a
// kill cut short.
//
// It must not import builder (the orchestration hands it a Job) nor the
// guard, the caches or recovery: those run around it, not inside it.
package cmode

import (
	"io"
	"path/filepath"
	"time"

	"github.com/hushbuild/hush/secrets"
	"go.podman.io/buildah/define"
	"go.podman.io/image/v5/types"
)

// Job is what one container-isolation build needs of the build around it.
type Job struct {
	Dockerfile, ContextDir string
	Args                   map[string]string // build args
	Target                 string            // the last stage to build; "" for the last
	Labels                 []string          // for the last stage's image
	SourceDateEpoch        *time.Time        // nil: now
	PullPolicy             define.PullPolicy
	// Layers and NoNetwork are what was asked for; container isolation
	// refuses both (one layer per stage, no namespace to take away).
	Layers, NoNetwork bool
	// Restricted builds as a non-root uid: in isolation.RestrictedRoot,
	// under the fake root (restricted.go).
	Restricted bool
	// Root is restricted isolation's stage root (isolation.RestrictedRoot).
	Root string
	Sys  *types.SystemContext // BigFilesTemporaryDir is set to the build's staging directory
	// Report gets the STEP lines, Stdout and Stderr the steps' output,
	// Warn hush's own warnings.
	Report, Stdout, Stderr, Warn io.Writer
	// Values are the build's loaded secrets, for the steps that mount them.
	Values []secrets.Secret
	// Mounts are the --secret specs with a target= or arg=: every step
	// gets them, as if each RUN named them in a --mount.
	Mounts []secrets.Spec
	// BuildDir is the build's tmpfs directory ("" without a tmpfs); Keep
	// lists more paths the stages' roots must leave alone (outputs).
	BuildDir string
	Keep     []string
	// Defer registers what must be undone when the build ends, after the
	// guard and the outputs (which stage their blobs in the staging
	// directory too).
	Defer func(func())
}

// mountsOf turns --secret target=/arg= specs into the mounts every step
// gets: arg= an env mount, target= a file at the target with the spec's
// mode and owner.
func mountsOf(specs []secrets.Spec) []secretMount {
	var out []secretMount
	for _, sp := range specs {
		if sp.Arg != "" {
			out = append(out, secretMount{id: sp.ID, env: sp.Arg, mode: 0o400})
		}
		if sp.Target != "" {
			target := sp.Target
			if !filepath.IsAbs(target) {
				target = "/run/secrets/" + target
			}
			out = append(out, secretMount{id: sp.ID, target: target, mode: sp.Mode, uid: sp.UID, gid: sp.GID})
		}
	}
	return out
}
