package builder

import (
	"fmt"
	"io"
	"os"

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
// local exporter does; the tar keeps the image's owners.
func exportFS(store storage.Store, id string, o Output) (err error) {
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
		if err := os.MkdirAll(o.Dest, 0o755); err != nil {
			return fmt.Errorf("output local %s: %w", o.Dest, err)
		}
		if err := archive.Untar(rc, o.Dest, &archive.TarOptions{NoLchown: true}); err != nil {
			return fmt.Errorf("output local %s: %w", o.Dest, err)
		}
		return nil
	}
	// Write beside the destination and rename, so a failure never leaves a
	// truncated tar under the name.
	tmp := o.Dest + ".hush-partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("output tar %s: %w", o.Dest, err)
	}
	defer os.Remove(tmp)
	_, err = io.Copy(f, rc)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, o.Dest)
	}
	if err != nil {
		return fmt.Errorf("output tar %s: %w", o.Dest, err)
	}
	return nil
}
