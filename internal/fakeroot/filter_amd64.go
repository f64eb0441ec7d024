package fakeroot

import "golang.org/x/sys/unix"

const auditArch = unix.AUDIT_ARCH_X86_64

// x32 syscalls on amd64 carry this bit: the filter lets them through.
const x32Bit = 0x40000000

// Syscalls the supervisor answers (notify) and those the filter answers
// with success itself (zero: no round trip).
var (
	notifySyscalls = []uint32{
		unix.SYS_CHOWN, unix.SYS_FCHOWN, unix.SYS_LCHOWN, unix.SYS_FCHOWNAT,
		unix.SYS_MKNOD, unix.SYS_MKNODAT,
		unix.SYS_STAT, unix.SYS_LSTAT, unix.SYS_FSTAT, unix.SYS_NEWFSTATAT, unix.SYS_STATX,
		unix.SYS_GETRESUID, unix.SYS_GETRESGID,
	}
	zeroSyscalls = []uint32{
		unix.SYS_GETUID, unix.SYS_GETEUID, unix.SYS_GETGID, unix.SYS_GETEGID,
		unix.SYS_SETUID, unix.SYS_SETGID, unix.SYS_SETREUID, unix.SYS_SETREGID,
		unix.SYS_SETRESUID, unix.SYS_SETRESGID, unix.SYS_SETGROUPS, unix.SYS_GETGROUPS,
		unix.SYS_SETFSUID, unix.SYS_SETFSGID,
	}
)
