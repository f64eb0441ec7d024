package publish

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hushbuild/hush/builder/internal/storestate"
	"github.com/hushbuild/hush/builder/internal/unpack"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/archive"
	"go.podman.io/image/v5/docker/daemon"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/oci/layout"
	"go.podman.io/image/v5/types"
	storarchive "go.podman.io/storage/pkg/archive"
)

func exportOCI(ctx context.Context, t Target, src types.ImageReference, name string, o Output) error {
	dir := o.Dest
	tag := name
	if nt, err := storestate.Qualify(name); err == nil {
		tag = nt.Tag()
	}
	dest, err := layout.NewReference(dir, tag)
	if err != nil {
		return fmt.Errorf("output oci %s: %w", dir, err)
	}
	// The base's layers as their own blobs (reuse.go); if a registry
	// cannot give them now, as containers/image compresses them.
	_, err = Copy(ctx, dest, reuseRef{ImageReference: src, store: t.Store, sys: t.Sys}, t.Sys, t.Report)
	if err != nil {
		_, err = Copy(ctx, dest, src, t.Sys, t.Report)
	}
	if err != nil {
		return fmt.Errorf("writing oci layout %s: %w", dir, err)
	}
	if t.Attach != nil {
		if _, err := attachOCI(ctx, dir, tag, t.Attach); err != nil {
			return fmt.Errorf("writing oci layout %s: %w", dir, err)
		}
	}
	return nil
}

// exportDocker writes a docker-archive beside its destination and renames
// it into place, so a failed export never leaves a truncated tarball. The
// name beside it is fresh (O_EXCL), not one another user could plant a
// symlink at between a remove and containers/image's open, which follows
// one; containers/image takes an empty regular file.
func exportDocker(ctx context.Context, t Target, src types.ImageReference, name string, o Output) error {
	file := o.Dest
	f, err := os.CreateTemp(filepath.Dir(file), ".hush-partial-")
	if err != nil {
		return fmt.Errorf("output docker %s: %w", file, err)
	}
	tmp := f.Name()
	f.Close()
	defer os.Remove(tmp)
	if t.Record != nil {
		if err := t.Record(tmp); err != nil {
			return fmt.Errorf("output docker %s: %w", file, err)
		}
	}
	var dest types.ImageReference
	if nt, qerr := storestate.Qualify(name); qerr == nil && len(t.Tags) > 0 {
		dest, err = archive.NewReference(tmp, nt)
	} else {
		dest, err = archive.NewReference(tmp, nil)
	}
	if err != nil {
		return fmt.Errorf("output docker %s: %w", file, err)
	}
	if _, err := Copy(ctx, dest, src, t.Sys, t.Report); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing docker archive %s: %w", file, err)
	}
	// CreateTemp made it 0600; a docker archive is as readable as before.
	err = os.Chmod(tmp, 0o644)
	if err == nil {
		err = os.Rename(tmp, file)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing docker archive %s: %w", file, err)
	}
	return nil
}

func push(ctx context.Context, t Target, src types.ImageReference, tag string) (string, error) {
	dest, err := docker.ParseReference("//" + tag)
	if err != nil {
		return "", fmt.Errorf("push %s: %w", tag, err)
	}
	m, err := Copy(ctx, dest, src, t.Sys, t.Report)
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", tag, err)
	}
	d, err := manifest.Digest(m)
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", tag, err)
	}
	return d.String(), nil
}

// loadDaemon streams the image into the Docker daemon ($DOCKER_HOST,
// default unix:///var/run/docker.sock) once per name, as docker buildx
// build --load does: Skaffold and Tilt look for the image there.
func loadDaemon(ctx context.Context, t Target, src types.ImageReference, _ string, o Output) error {
	sys := *t.Sys
	if h := os.Getenv("DOCKER_HOST"); h != "" && sys.DockerDaemonHost == "" {
		sys.DockerDaemonHost = h
	}
	for _, n := range o.Names {
		dest, err := daemon.NewReference("", n)
		if err != nil {
			return fmt.Errorf("--load %s: %w", n, err)
		}
		if _, err := Copy(ctx, dest, src, &sys, t.Report); err != nil {
			return fmt.Errorf("--load %s into the Docker daemon: %w", reference.FamiliarString(n), err)
		}
	}
	return nil
}

// exportFS writes the built image's filesystem to a directory (local) or
// a tar file (tar). Files are owned by the user running hush, as docker's
// local exporter does, without device nodes, FIFOs or setuid/setgid bits
// (builder/internal/unpack); the tar keeps the image's owners and modes.
// Either is written under a fresh private name beside DEST, recorded with
// t.Record for the sweep after a kill, and renamed onto DEST once complete.
func exportFS(ctx context.Context, t Target, _ types.ImageReference, _ string, o Output) (err error) {
	store, id := t.Store, t.ID
	record := t.Record
	if record == nil {
		record = func(string) error { return nil }
	}
	mnt, err := store.MountImage(id, []string{"ro"}, "")
	if err != nil {
		return fmt.Errorf("output %s %s: mounting the image: %w", o.Type, o.Dest, err)
	}
	defer func() { _, _ = store.UnmountImage(id, false) }()
	rc, err := storarchive.TarWithOptions(mnt, &storarchive.TarOptions{Compression: storarchive.Uncompressed})
	if err != nil {
		return fmt.Errorf("output %s %s: %w", o.Type, o.Dest, err)
	}
	defer rc.Close()
	if o.Type == "local" {
		if _, err := unpack.Unpack(ctx, rc, o.Dest, unpack.Options{Made: record}); err != nil {
			return fmt.Errorf("output local %s: %w", o.Dest, err)
		}
		return nil
	}
	// A fresh name (O_EXCL) beside the destination, renamed onto it: never
	// a name another user could plant a symlink at, never a truncated tar
	// under DEST.
	f, err := os.CreateTemp(filepath.Dir(o.Dest), ".hush-partial-")
	if err != nil {
		return fmt.Errorf("output tar %s: %w", o.Dest, err)
	}
	defer os.Remove(f.Name())
	if err := record(f.Name()); err != nil {
		f.Close()
		return fmt.Errorf("output tar %s: %w", o.Dest, err)
	}
	_, err = io.Copy(f, rc)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), o.Dest)
	}
	if err != nil {
		return fmt.Errorf("output tar %s: %w", o.Dest, err)
	}
	return nil
}

// checkLocal: the local tree is renamed onto DEST whole, so DEST must not
// exist or be empty; said before the build rather than after it.
func checkLocal(o Output, _ []string) error {
	if err := unpack.Replaceable(o.Dest); err != nil {
		return fmt.Errorf("output local: %w", err)
	}
	return nil
}
