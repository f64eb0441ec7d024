package isolation

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"go.podman.io/storage/pkg/unshare"
)

// Detection is what the probes found where hush runs: the mode auto picks,
// why, and each probe's outcome (nil: it worked; not run: ErrNotProbed).
type Detection struct {
	Mode Mode   // "" when no mode works: Err says what to change
	Why  string // one clause: why this mode and not a stronger one
	Err  error  // no mode works here: one line naming what to change

	InContainer   bool
	ContainerSign string // what showed it (/.dockerenv exists, ...)
	// RealRoot: euid 0 outside any user namespace hush made.
	RealRoot bool
	// NeedUserNS: root without mount privileges whose mode (chroot) works
	// only inside a user namespace hush creates for it (cmd/hush re-execs).
	NeedUserNS bool

	UserNS, Mount, Proc, Cgroup error
}

// ErrNotProbed marks a probe that detection did not need to run.
var ErrNotProbed = errors.New("not probed")

var (
	detectOnce sync.Once
	detected   Detection
)

// Detect probes what isolation can work here, once per process (the
// answer does not change while hush runs; each probe is a fork, so a
// build pays about a millisecond per probe, once).
func Detect() Detection {
	detectOnce.Do(func() { detected = detect() })
	return detected
}

func detect() Detection {
	d := Detection{UserNS: ErrNotProbed, Mount: ErrNotProbed, Proc: ErrNotProbed, Cgroup: ErrNotProbed}
	d.InContainer, d.ContainerSign = inContainer()
	euid := os.Geteuid()
	inOurNS := inUserNS()
	d.RealRoot = euid == 0 && !inOurNS
	switch {
	case inOurNS:
		// Already in a user namespace: mounts and /proc decide.
		d.UserNS = nil
		d.Mount = probeNS(false, true, false)
		d.Proc = probeNS(false, false, true)
		switch {
		case d.Mount == nil && d.Proc == nil:
			d.Mode, d.Why = Rootless, "user namespace with mounts and its own /proc"
		case d.Mount == nil:
			d.Mode, d.Why = Chroot, fmt.Sprintf("user namespace and mounts work, but runc cannot mount /proc (%v)", d.Proc)
		default:
			d.Err = fmt.Errorf("no isolation works here: mounts are refused in the user namespace (%v); allow mounts (docker run --security-opt seccomp=unconfined, or Kubernetes seccompProfile Unconfined)", d.Mount)
		}
	case !d.RealRoot:
		// An unprivileged user: everything happens in a user namespace.
		d.UserNS = probeNS(true, false, false)
		if d.UserNS != nil && d.InContainer {
			if why := RestrictedUnavailable(); why == "" {
				d.Mode = Restricted
				d.Why = fmt.Sprintf("uid %d in a container (%s) that forbids user namespaces (%v): steps run under hush's fake root", euid, d.ContainerSign, d.UserNS)
				return d
			}
		}
		if d.UserNS != nil {
			d.Err = fmt.Errorf("no isolation works here: uid %d cannot create a user namespace (%v), and container mode needs root; run as root in the container (docker run --user 0, Kubernetes runAsUser: 0), or allow user namespaces (docker run --security-opt seccomp=unconfined, Kubernetes seccompProfile Unconfined)", euid, d.UserNS)
			return d
		}
		d.Mount = probeNS(true, true, false)
		d.Proc = probeNS(true, false, true)
		switch {
		case d.Mount == nil && d.Proc == nil:
			d.Mode, d.Why = Rootless, "user namespace with mounts and its own /proc"
		case d.Mount == nil:
			d.Mode, d.Why = Chroot, fmt.Sprintf("user namespace and mounts work, but runc cannot mount /proc (%v)", d.Proc)
		default:
			d.Err = fmt.Errorf("no isolation works here: uid %d cannot mount in its user namespace (%v); run as root in the container, or allow mounts (docker run --security-opt seccomp=unconfined)", euid, d.Mount)
		}
	default:
		d.Cgroup = probeCgroup()
		d.Mount = probeNS(false, true, false)
		if d.Mount == nil {
			d.Proc = probeNS(false, false, true)
		}
		switch {
		case d.Mount == nil && d.Proc == nil && d.Cgroup == nil:
			d.Mode, d.Why = OCI, "root with namespaces, mounts and cgroups"
		case d.Mount == nil && d.Cgroup != nil:
			d.Mode, d.Why = Chroot, fmt.Sprintf("namespaces and mounts work, but runc cannot create a cgroup (%v)", d.Cgroup)
		case d.Mount == nil:
			d.Mode, d.Why = Chroot, fmt.Sprintf("namespaces and mounts work, but runc cannot mount /proc (%v)", d.Proc)
		default:
			// No CAP_SYS_ADMIN (or seccomp refuses): a user namespace
			// gives root the capabilities chroot isolation needs.
			d.UserNS = probeNS(true, true, false)
			switch {
			case d.UserNS == nil:
				d.Mode, d.NeedUserNS = Chroot, true
				d.Why = fmt.Sprintf("root cannot mount (%v), but can in a user namespace; no cgroups", d.Mount)
			case d.InContainer:
				d.Mode = Container
				d.Why = fmt.Sprintf("in a container (%s) that forbids namespaces (%v) and mounts (%v)", d.ContainerSign, d.UserNS, d.Mount)
			default:
				d.Err = fmt.Errorf("no isolation works here: root cannot create namespaces (%v) or mount (%v), and this is not a container (container mode would rewrite /); allow namespaces, or run hush in a container", d.UserNS, d.Mount)
			}
		}
	}
	return d
}

// Resolve turns the requested mode into the one the build uses:
// auto takes Detect's answer; an explicit mode is taken as asked, except
// where it cannot work for who hush runs as, or (container mode) where it
// would rewrite the root of a machine.
func Resolve(want Mode, forceContainer bool) (Mode, Detection, error) {
	realRoot := os.Geteuid() == 0 && !inUserNS()
	switch want {
	case Auto:
		d := Detect()
		if d.Err != nil {
			return "", d, d.Err
		}
		return d.Mode, d, nil
	case OCI:
		if !realRoot {
			return "", Detection{}, fmt.Errorf("--isolation oci needs root: use rootless or chroot")
		}
	case Restricted:
		if why := RestrictedUnavailable(); why != "" {
			return "", Detection{}, fmt.Errorf("--isolation restricted: %s", why)
		}
	case Container:
		if !realRoot {
			return "", Detection{}, fmt.Errorf("--isolation container needs root in the container: it installs each stage's base image over /")
		}
		if !forceContainer {
			if in, _ := inContainer(); !in {
				return "", Detection{}, fmt.Errorf("--isolation container rewrites / and this is not a container (no /.dockerenv, /run/.containerenv, $container or $KUBERNETES_SERVICE_HOST): refusing; add --force-container to run it anyway")
			}
		}
	}
	return want, Detection{Mode: want, Why: "asked for"}, nil
}

// inUserNS reports whether hush (or storage, for an unprivileged user)
// re-executed this process into a user namespace. unshare.IsRootless is
// not this: it also holds for root without CAP_SYS_ADMIN.
func inUserNS() bool {
	return os.Geteuid() == 0 && os.Getenv(unshare.UsernsEnvName) != ""
}
