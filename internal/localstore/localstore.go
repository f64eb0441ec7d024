// Package localstore opens the local containers-storage, the same store
// podman and buildah use unless the caller overrides its locations, for
// every command that reads or writes it (build, prune, audit): a store a
// build wrote with vfs because overlay cannot work where it lives, or with
// chown errors ignored in a one-uid user namespace, opens the same way for
// the audit that reads it.
//
// It owns the choice of driver and its options. It must not import
// builder, audit, secrets, doctor or the CLI, nor buildah: it is a leaf
// that they share.
package localstore

import (
	"bytes"
	"fmt"
	graphdriver "go.podman.io/storage/drivers"
	"go.podman.io/storage/pkg/archive"
	"go.podman.io/storage/pkg/idtools"
	"io"
	"os"
	"strings"

	"github.com/hushbuild/hush/internal/isolation"
	"go.podman.io/storage"
)

// Options override the configured store; zero values keep the
// configuration (storage.conf, or podman's defaults).
type Options struct {
	Root, RunRoot, Driver string
	// VFSOnly takes vfs unless Driver is set (container mode, which
	// never mounts).
	VFSOnly bool
}

// Open opens the store and says in one line on report when it chose a
// driver other than the configured one because that cannot work where the
// storage root is.
func Open(o Options, report io.Writer) (storage.Store, error) {
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
	if os.Geteuid() != 0 && !inUserNS() {
		// No user namespace at all for a non-root uid (restricted
		// isolation): root's files are ours, other owners' stay ours too
		// (their tar-split headers and the fake root keep the real ones).
		opts.UIDMap = []idtools.IDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1 << 20}}
		opts.GIDMap = []idtools.IDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1 << 20}}
		opts.GraphDriverOptions = append(opts.GraphDriverOptions, "vfs.ignore_chown_errors=true")
		// storage unpacks a layer in a chroot, which needs CAP_SYS_CHROOT;
		// its plain unpacker checks every path against breakouts itself.
		// Process-wide, as the lack of the capability is.
		// vfs makes a layer's directory 0555, which only root writes in.
		graphdriver.ApplyUncompressedLayer = func(dest string, layer io.Reader, o *archive.TarOptions) (int64, error) {
			if err := os.Chmod(dest, 0o755); err != nil {
				return 0, err
			}
			return archive.ApplyUncompressedLayer(dest, layer, o)
		}
	} else if singleIDMapping() {
		// A user namespace with one uid (newuidmap failed, or a container
		// gave a single id): files of other owners keep ours.
		opts.GraphDriverOptions = append(opts.GraphDriverOptions, "vfs.ignore_chown_errors=true", "overlay.ignore_chown_errors=true")
	}
	if o.VFSOnly && o.Driver == "" {
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

// inUserNS reports whether this process is in a user namespace (its
// uid_map is not the initial namespace's full identity map).
func inUserNS() bool {
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	return !(len(f) == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
