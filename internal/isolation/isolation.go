// Package isolation owns how RUN steps are isolated from the machine hush
// runs on: the modes, parsing --isolation, detecting which mode works here
// (forked probes, memoized per process), resolving an asked-for mode, and
// the host defaults (policy.json, registries.conf, overlay's stacking
// limit) a build needs where the machine has none. doctor, the CLI's
// re-exec and the builder share it, so doctor's "ok" is the build's.
//
// It must not import builder, doctor, cmd or anything under them: it is
// the leaf those three meet on (audit's depcheck test enforces this).
package isolation

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Mode is how RUN steps are isolated from the machine hush runs on.
// The ladder, strongest first: OCI (runc with namespaces and cgroups, as
// root), rootless (runc in a user namespace), chroot (buildah's chroot
// isolation: namespaces without cgroups), container (no namespaces and no
// mounts: steps run in the root filesystem of the container hush itself
// runs in, as kaniko did), restricted (container mode for a non-root user
// with no capabilities and no user namespaces: steps run under hush's
// fake root, internal/fakeroot).
type Mode string

// The modes an --isolation value names.
const (
	Auto      Mode = ""          // detect: the strongest that works here
	OCI       Mode = "oci"       // runc, namespaces and cgroups
	Rootless  Mode = "rootless"  // runc in a user namespace
	Chroot    Mode = "chroot"    // chroot and namespaces, no cgroups
	Container Mode = "container" // no namespaces: rewrites / (only inside a container)
	// Restricted is container mode for a non-root uid with no capabilities
	// and no user namespaces (a Kubernetes Restricted pod): the stage's
	// root is the image's /hush/root tree, steps run under a fake root.
	Restricted Mode = "restricted"
)

// Parse reads an --isolation value ("auto" is the zero value).
func Parse(s string) (Mode, error) {
	switch m := Mode(s); m {
	case "auto", "default":
		// "default" is docker build's own value for --isolation.
		return Auto, nil
	case Auto, OCI, Rootless, Chroot, Container, Restricted:
		return m, nil
	}
	return "", fmt.Errorf("isolation %q: want auto, oci, rootless, chroot, container or restricted", s)
}

// UserNSError is nil when this process can create a user namespace, which
// an unprivileged user needs for everything; else the one-line error
// naming what to change.
func UserNSError() error {
	if d := Detect(); d.Err != nil && d.UserNS != nil && d.UserNS != ErrNotProbed {
		return d.Err
	}
	return nil
}

// RootNeedsUserNS reports whether root, building with isolation want (an
// --isolation value), must first enter a user namespace: it lacks mount
// rights (no CAP_SYS_ADMIN, or seccomp refuses) but can create one, in
// which chroot isolation works.
func RootNeedsUserNS(want string) bool {
	m, err := Parse(want)
	if err != nil || (m != Auto && m != Chroot && m != Rootless) {
		return false
	}
	return Detect().NeedUserNS
}

// NoUserNS reports whether a build with isolation want (an --isolation
// value) runs without a user namespace though hush is not root:
// restricted isolation, asked for or picked by auto.
func NoUserNS(want string) bool {
	m, err := Parse(want)
	if err != nil {
		return false
	}
	return m == Restricted || (m == Auto && Detect().Mode == Restricted)
}

// ProbeUserNS creates a user namespace in a child: nil if it worked.
func ProbeUserNS() error { return probeNS(true, false, false) }

// StorageDriverNote says which driver hush picks for a storage root whose
// configured driver is configured ("" or overlay), and why, or "" when it
// keeps the configured one.
func StorageDriverNote(root, configured string) string {
	if configured != "" && configured != "overlay" {
		return ""
	}
	if why := OverlayCannotStack(root); why != "" {
		return "vfs: " + why
	}
	return ""
}

// OverlayCannotStack says why overlay cannot work at root, or "": an
// overlay's upper directory cannot be on overlayfs (or fuse-overlayfs),
// which a container's root filesystem is.
func OverlayCannotStack(root string) string {
	dir := root
	for {
		var st unix.Statfs_t
		if err := unix.Statfs(dir, &st); err == nil {
			// fuse-overlayfs (Docker's driver on some hosts) cannot be
			// an overlay's upper layer either.
			if st.Type == unix.OVERLAYFS_SUPER_MAGIC || st.Type == unix.FUSE_SUPER_MAGIC {
				if _, err := os.Stat(filepath.Join(root, "overlay-layers")); err == nil {
					return "" // an existing overlay store: it worked here before
				}
				return fmt.Sprintf("%s is on overlayfs or fuse, where overlay cannot stack; a volume there gets overlay", dir)
			}
			return ""
		}
		if dir == "/" || dir == "." {
			return ""
		}
		dir = filepath.Dir(dir)
	}
}
