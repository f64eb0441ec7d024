// Package stepcaps starts a container-isolation RUN step with buildah's
// default capabilities instead of all of hush's. Container isolation runs
// steps in hush's own container, pid namespace and uid: a root step with
// the same capabilities as the CI job's shell may read that shell's
// /proc/<pid>/environ (the kernel lets a process read another's of the
// same uid when its capabilities are a superset), and with it the job's
// secrets. Without CAP_NET_RAW, CAP_MKNOD and CAP_AUDIT_WRITE, which
// Docker gives every container process and buildah never gives a step,
// the step's set is no longer a superset, so reading another process's
// environ, mem, fd/ or root needs CAP_SYS_PTRACE, which neither has.
//
// Capabilities are per thread on Linux: Start cuts them on a locked
// thread that then forks the step and ends, so the rest of hush keeps its
// own. It imports only the standard library and x/sys: never builder,
// buildah or storage.
package stepcaps

import (
	"fmt"
	"os/exec"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"
)

// Keep is buildah's default capability set for a RUN step
// (containers/common's default_capabilities).
var Keep = []uintptr{
	unix.CAP_CHOWN, unix.CAP_DAC_OVERRIDE, unix.CAP_FOWNER, unix.CAP_FSETID, unix.CAP_KILL,
	unix.CAP_NET_BIND_SERVICE, unix.CAP_SETFCAP, unix.CAP_SETGID, unix.CAP_SETPCAP, unix.CAP_SETUID,
	unix.CAP_SYS_CHROOT,
}

// Start starts cmd with only Keep in its bounding, permitted, effective
// and inheritable sets and no ambient capabilities: a step running as root
// regains at exec at most its bounding set. An error means the step did
// not start. Otherwise call release once cmd has been waited for: the
// thread that forked the step lives until then, because the kernel sends
// a child's parent-death signal (cmd's Pdeathsig) when that thread ends.
func Start(cmd *exec.Cmd) (release func(), err error) {
	errc := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		// Never unlocked: the thread, its capabilities cut, ends with
		// this goroutine instead of going back to Go's pool.
		runtime.LockOSThread()
		if err := cut(); err != nil {
			errc <- fmt.Errorf("dropping the step's capabilities: %w", err)
			return
		}
		err := cmd.Start()
		errc <- err
		if err == nil {
			<-done
		}
	}()
	if err := <-errc; err != nil {
		return nil, err
	}
	var once sync.Once
	return func() { once.Do(func() { close(done) }) }, nil
}

// cut reduces this thread's capabilities to Keep.
func cut() error {
	var keep uint64
	for _, c := range Keep {
		keep |= 1 << c
	}
	for c := uintptr(0); c < 64; c++ {
		if keep&(1<<c) != 0 {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, c, 0, 0, 0); err != nil {
			if err == unix.EINVAL {
				break // past the kernel's last capability
			}
			return err
		}
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil && err != unix.EINVAL {
		return err
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return err
	}
	for i := range data {
		k := uint32(keep >> (32 * i))
		data[i].Permitted &= k
		data[i].Effective &= k
		data[i].Inheritable = 0
	}
	return unix.Capset(&hdr, &data[0])
}
