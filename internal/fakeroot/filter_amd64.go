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
		// Ids: each thread's faked ids are kept (creds.go), as set*id
		// would have set them.
		unix.SYS_GETUID, unix.SYS_GETEUID, unix.SYS_GETGID, unix.SYS_GETEGID,
		unix.SYS_GETRESUID, unix.SYS_GETRESGID,
		unix.SYS_SETUID, unix.SYS_SETGID, unix.SYS_SETREUID, unix.SYS_SETREGID,
		unix.SYS_SETRESUID, unix.SYS_SETRESGID, unix.SYS_SETGROUPS,
		// Path syscalls: /etc is translated (Owners.Translate), and opens
		// of other processes' /proc entries refused.
		unix.SYS_OPEN, unix.SYS_OPENAT, unix.SYS_OPENAT2, unix.SYS_CREAT,
		unix.SYS_ACCESS, unix.SYS_FACCESSAT, unix.SYS_FACCESSAT2,
		unix.SYS_MKDIR, unix.SYS_MKDIRAT, unix.SYS_RMDIR, unix.SYS_UNLINK, unix.SYS_UNLINKAT,
		unix.SYS_RENAME, unix.SYS_RENAMEAT, unix.SYS_RENAMEAT2, unix.SYS_LINK, unix.SYS_LINKAT,
		unix.SYS_SYMLINK, unix.SYS_SYMLINKAT, unix.SYS_READLINK, unix.SYS_READLINKAT,
		unix.SYS_CHMOD, unix.SYS_FCHMODAT, unix.SYS_FCHMODAT2, unix.SYS_UTIMENSAT, unix.SYS_TRUNCATE,
	}
	// zeroSyscalls succeed unrun: getgroups answers no supplementary
	// groups, setfsuid and setfsgid a previous id of 0.
	zeroSyscalls = []uint32{unix.SYS_GETGROUPS, unix.SYS_SETFSUID, unix.SYS_SETFSGID}
)
