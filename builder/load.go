package builder

import (
	"context"
	"fmt"
	"os"

	"go.podman.io/image/v5/docker/daemon"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/types"
)

// OutputLoad puts the image into the local Docker daemon ($DOCKER_HOST,
// default unix:///var/run/docker.sock), as docker buildx build --load does:
// Skaffold and Tilt look for the image there.
const OutputLoad OutputType = "load"

// dockerNames are the tags as docker names them (app:v1 is
// docker.io/library/app:v1, shown by docker as app:v1), not as podman does
// (localhost/app:v1): a tool that asked for app:v1 looks it up in the daemon
// under docker's name.
func dockerNames(tags []string) ([]reference.NamedTagged, error) {
	var out []reference.NamedTagged
	for _, t := range tags {
		named, err := reference.ParseNormalizedNamed(t)
		if err != nil {
			return nil, fmt.Errorf("tag %q: %w", t, err)
		}
		nt, ok := reference.TagNameOnly(named).(reference.NamedTagged)
		if !ok {
			return nil, fmt.Errorf("--load: tag %q is not a name:tag", t)
		}
		out = append(out, nt)
	}
	return out, nil
}

// loadDaemon streams the image into the Docker daemon once per name.
func loadDaemon(ctx context.Context, src types.ImageReference, names []reference.NamedTagged, p *plan) error {
	sys := *p.sys
	if h := os.Getenv("DOCKER_HOST"); h != "" && sys.DockerDaemonHost == "" {
		sys.DockerDaemonHost = h
	}
	q := *p
	q.sys = &sys
	for _, n := range names {
		dest, err := daemon.NewReference("", n)
		if err != nil {
			return fmt.Errorf("--load %s: %w", n, err)
		}
		if _, err := copyImage(ctx, dest, src, &q); err != nil {
			return fmt.Errorf("--load %s into the Docker daemon: %w", reference.FamiliarString(n), err)
		}
	}
	return nil
}
