package builder

import "fmt"

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
	case "auto":
		return IsolationAuto, nil
	case IsolationAuto, IsolationOCI, IsolationRootless, IsolationChroot, IsolationContainer:
		return i, nil
	}
	return "", fmt.Errorf("isolation %q: want auto, oci, rootless, chroot or container", s)
}
