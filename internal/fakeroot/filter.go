package fakeroot

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Supported reports whether this architecture has a filter.
func Supported() error {
	if runtime.GOARCH != "amd64" {
		return fmt.Errorf("restricted isolation's fake root has no seccomp filter for %s yet", runtime.GOARCH)
	}
	return nil
}

// program is the BPF filter: native syscalls in notifySyscalls go to the
// supervisor, those in zeroSyscalls return 0 at once, the rest run. The
// id syscalls always go to the supervisor, which answers each thread's
// faked ids (creds.go), root or a USER's.
func program() []unix.SockFilter {
	const (
		ld  = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		jeq = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		jge = unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K
		ret = unix.BPF_RET | unix.BPF_K
	)
	allow := uint32(unix.SECCOMP_RET_ALLOW)
	var p []unix.SockFilter
	p = append(p,
		unix.SockFilter{Code: ld, K: 4}, // seccomp_data.arch
		unix.SockFilter{Code: jeq, K: auditArch, Jt: 1},
		unix.SockFilter{Code: ret, K: allow},
		unix.SockFilter{Code: ld, K: 0}, // seccomp_data.nr
		unix.SockFilter{Code: jge, K: x32Bit, Jf: 1},
		unix.SockFilter{Code: ret, K: allow},
	)
	notify, zero := notifySyscalls, zeroSyscalls
	for _, nr := range notify {
		p = append(p, unix.SockFilter{Code: jeq, K: nr, Jf: 1}, unix.SockFilter{Code: ret, K: unix.SECCOMP_RET_USER_NOTIF})
	}
	for _, nr := range zero {
		// SECCOMP_RET_ERRNO with errno 0: the syscall returns 0 unrun.
		p = append(p, unix.SockFilter{Code: jeq, K: nr, Jf: 1}, unix.SockFilter{Code: ret, K: unix.SECCOMP_RET_ERRNO})
	}
	return append(p, unix.SockFilter{Code: ret, K: allow})
}

// install sets no_new_privs and the filter on the calling thread and
// returns the listener's fd.
func install() (int, error) {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return -1, fmt.Errorf("no_new_privs: %w", err)
	}
	prog := program()
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	fd, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
		unix.SECCOMP_FILTER_FLAG_NEW_LISTENER, uintptr(unsafe.Pointer(&fprog)))
	runtime.KeepAlive(prog)
	if errno != 0 {
		return -1, fmt.Errorf("seccomp(SECCOMP_FILTER_FLAG_NEW_LISTENER): %w", errno)
	}
	return int(fd), nil
}
