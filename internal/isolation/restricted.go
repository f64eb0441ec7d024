package isolation

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// RestrictedRoot is where restricted isolation builds each stage's root:
// hush's image links its top-level names there (/usr -> /hush/root/usr),
// because a container's / itself is root's and not writable to the
// uid a Restricted pod gives (docker and Kubernetes make / 0755 root:root
// whatever the image says).
const RestrictedRoot = "/hush/root"

// RestrictedUnavailable says why restricted isolation cannot work here, or
// "": it needs the layout of hush's image (RestrictedRoot, writable to
// this uid, with /usr linked into it) and amd64's fake-root
// filter.
func RestrictedUnavailable() string {
	if runtime.GOARCH != "amd64" {
		return "the fake root has no seccomp filter for " + runtime.GOARCH
	}
	if unix.Access(RestrictedRoot, unix.W_OK|unix.X_OK) != nil {
		return fmt.Sprintf("%s is missing or not writable by uid %d (run hush's image, which makes it writable to any uid)", RestrictedRoot, os.Geteuid())
	}
	// /etc may be a directory: Docker's init layer makes one (for its
	// /etc/hosts), and the fake root translates steps' /etc paths.
	for _, top := range []string{"usr"} {
		if l, err := os.Readlink("/" + top); err != nil || filepath.Clean(l) != filepath.Join(RestrictedRoot, top) {
			return fmt.Sprintf("/%s is not a link to %s/%s (run hush's image)", top, RestrictedRoot, top)
		}
	}
	return ""
}
