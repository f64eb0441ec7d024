package builder

import (
	"fmt"
	"os"

	"go.podman.io/buildah/define"
)

// Isolation is how RUN steps are isolated from the machine hush runs on.
// The ladder, strongest first: OCI (runc with namespaces and cgroups, as
// root), rootless (runc in a user namespace), chroot (buildah's chroot
// isolation: namespaces without cgroups), container (no namespaces and no
// mounts: steps run in the root filesystem of the container hush itself
// runs in, as kaniko did).
type Isolation string

// The isolation modes Options.Isolation accepts.
const (
	IsolationAuto      Isolation = ""          // detect: the strongest that works here
	IsolationOCI       Isolation = "oci"       // runc, namespaces and cgroups
	IsolationRootless  Isolation = "rootless"  // runc in a user namespace
	IsolationChroot    Isolation = "chroot"    // chroot and namespaces, no cgroups
	IsolationContainer Isolation = "container" // no namespaces: rewrites / (only inside a container)
)

// ParseIsolation reads an --isolation value ("auto" is the zero value).
func ParseIsolation(s string) (Isolation, error) {
	switch i := Isolation(s); i {
	case "auto", "default":
		// "default" is docker build's own value for --isolation.
		return IsolationAuto, nil
	case IsolationAuto, IsolationOCI, IsolationRootless, IsolationChroot, IsolationContainer:
		return i, nil
	}
	return "", fmt.Errorf("isolation %q: want auto, oci, rootless, chroot or container", s)
}

// setupIsolation picks the build's isolation (auto: detected), says in one
// line on stderr when it is weaker than runc's, and fills in built-in
// configuration where the machine has none.
func (p *plan) setupIsolation(o Options) (define.Isolation, error) {
	mode, d, err := resolveIsolation(o.Isolation, o.ForceContainer)
	if err != nil {
		return 0, err
	}
	p.isolation = mode
	if mode == IsolationChroot || mode == IsolationContainer {
		fmt.Fprintf(p.stderr, "hush: isolation %s: %s\n", mode, d.Why)
	}
	if p.tmpDir == "" && p.buildDir != "" && (mode == IsolationChroot || mode == IsolationRootless) && overlayCannotStack(os.TempDir()) != "" {
		// buildah mounts an overlay over the build context, with its
		// upper directory under TMPDIR: not on a container's overlayfs
		// root. The process's tmpfs TMPDIR takes it (set once per
		// process: tempdir.go).
		if p.tmpDir, err = SetupTempDir(); err != nil {
			return 0, err
		}
	}
	dir := p.buildDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "hush-conf-"); err != nil {
			return 0, fmt.Errorf("creating a directory for built-in configuration: %w", err)
		}
		p.undo = append(p.undo, func() { os.RemoveAll(dir) })
	}
	if _, err := fillHostDefaults(p.sys, dir); err != nil {
		return 0, err
	}
	return buildahIsolation(mode), nil
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
	m, err := ParseIsolation(want)
	if err != nil || (m != IsolationAuto && m != IsolationChroot && m != IsolationRootless) {
		return false
	}
	return Detect().NeedUserNS
}

// ContainerModeAvailable reports whether this hush has container mode's
// engine.
func ContainerModeAvailable() bool { return containerEngine != nil }

// ProbeUserNS creates a user namespace in a child: nil if it worked.
func ProbeUserNS() error { return probeNS(true, false, false) }

// StorageDriverNote says which driver hush picks for a storage root whose
// configured driver is configured ("" or overlay), and why, or "" when it
// keeps the configured one.
func StorageDriverNote(root, configured string) string {
	if configured != "" && configured != "overlay" {
		return ""
	}
	if why := overlayCannotStack(root); why != "" {
		return "vfs: " + why
	}
	return ""
}
