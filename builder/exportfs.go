package builder

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hushbuild/hush/builder/internal/unpack"
	"go.podman.io/storage"
	"go.podman.io/storage/pkg/archive"
)

// Output types that write the image's filesystem rather than the image,
// as docker build's -o type=local and type=tar. Like every output they are
// written only after the guard has passed the image.
const (
	OutputLocal OutputType = "local" // the final filesystem, copied into a directory
	OutputTar   OutputType = "tar"   // the final filesystem as one tar file
)

// exportFS writes the built image's filesystem to a directory (local) or
// a tar file (tar). Files are owned by the user running hush, as docker's
// local exporter does, without device nodes, FIFOs or setuid/setgid bits
// (builder/internal/unpack); the tar keeps the image's owners and modes.
// Either is written under a fresh private name beside DEST, recorded with
// record for the sweep, and renamed onto DEST once complete.
func exportFS(ctx context.Context, store storage.Store, id string, o Output, record func(string) error) (err error) {
	mnt, err := store.MountImage(id, []string{"ro"}, "")
	if err != nil {
		return fmt.Errorf("output %s %s: mounting the image: %w", o.Type, o.Dest, err)
	}
	defer func() { _, _ = store.UnmountImage(id, false) }()
	rc, err := archive.TarWithOptions(mnt, &archive.TarOptions{Compression: archive.Uncompressed})
	if err != nil {
		return fmt.Errorf("output %s %s: %w", o.Type, o.Dest, err)
	}
	defer rc.Close()
	if o.Type == OutputLocal {
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
