package builder

import (
	"context"
	"errors"

	"go.podman.io/storage"
)

// containerEngine runs one build in container mode (no namespaces, no
// mounts: each stage's base image is installed over the container's own /,
// RUN steps execute there, and each stage becomes one layer). cmode's
// engine (incontainer*.go) sets it from its init; the contract is in
// /work/notes/cinfra-cmode.md. It returns the new image's id, as
// buildah's BuildDockerfiles does; the guard and outputs run after it.
var containerEngine func(ctx context.Context, store storage.Store, p *plan) (string, error)

// ErrContainerModeUnavailable: this hush was built without container mode.
var ErrContainerModeUnavailable = errors.New("isolation container: not available in this build of hush")

func (p *plan) runContainer(ctx context.Context, store storage.Store) (string, error) {
	if containerEngine == nil {
		return "", ErrContainerModeUnavailable
	}
	return containerEngine(ctx, store, p)
}
