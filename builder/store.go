package builder

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hushbuild/hush/internal/isolation"
	"go.podman.io/storage"
)

// openStore opens the same containers-storage podman and buildah use,
// unless the caller overrides its locations.
func openStore(o StorageOptions) (storage.Store, error) {
	return openStoreReport(o, io.Discard, false)
}

// openStoreReport is openStore that says in one line on report when it
// chose a driver other than the configured one because that cannot work
// where the storage root is. vfsOnly (container mode, which never mounts)
// takes vfs unless the user named a driver.
func openStoreReport(o StorageOptions, report io.Writer, vfsOnly bool) (storage.Store, error) {
	opts, err := storage.DefaultStoreOptions()
	if err != nil {
		return nil, fmt.Errorf("reading storage configuration: %w", err)
	}
	if o.Root != "" {
		opts.GraphRoot = o.Root
	}
	if o.RunRoot != "" {
		opts.RunRoot = o.RunRoot
	}
	// Only the default driver (overlay) is replaced; a driver named on the
	// command line is the user's to keep.
	auto := o.Driver == "" && (opts.GraphDriverName == "" || opts.GraphDriverName == "overlay")
	if o.Driver != "" {
		opts.GraphDriverName = o.Driver
	}
	if singleIDMapping() {
		// A user namespace with one uid (newuidmap failed, or a container
		// gave a single id): files of other owners keep ours.
		opts.GraphDriverOptions = append(opts.GraphDriverOptions, "vfs.ignore_chown_errors=true", "overlay.ignore_chown_errors=true")
	}
	if vfsOnly && o.Driver == "" {
		opts.GraphDriverName = "vfs"
	} else if auto {
		if why := isolation.OverlayCannotStack(opts.GraphRoot); why != "" {
			opts.GraphDriverName = "vfs"
			fmt.Fprintf(report, "hush: storage: vfs at %s (%s)\n", opts.GraphRoot, why)
		}
	}
	store, err := storage.GetStore(opts)
	if err != nil && auto && opts.GraphDriverName != "vfs" && strings.Contains(err.Error(), "overlay") {
		// overlay's own probe mount failed (no mount rights, an old kernel).
		first := err
		opts.GraphDriverName = "vfs"
		if store, err = storage.GetStore(opts); err == nil {
			fmt.Fprintf(report, "hush: storage: vfs at %s (overlay: %s)\n", opts.GraphRoot, oneLine(first.Error()))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("opening storage at %s: %w", opts.GraphRoot, err)
	}
	return store, nil
}

// singleIDMapping reports whether this process is in a user namespace that
// maps one uid only.
func singleIDMapping() bool {
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return false
	}
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(lines) != 1 {
		return false
	}
	f := strings.Fields(string(lines[0]))
	return len(f) == 3 && f[2] == "1"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
