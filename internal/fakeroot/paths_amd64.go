package fakeroot

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sent marks a response already given with SECCOMP_ADDFD_FLAG_SEND.
const sent = 0xffffffff

// The kernel's struct seccomp_notif_addfd.
type notifAddFD struct {
	id         uint64
	flags      uint32
	srcfd      uint32
	newfd      uint32
	newfdFlags uint32
}

// handlePath answers the path syscalls: those naming /etc are done by hush
// on the translated path; opens of another process's /proc secrets are
// refused; the rest run as asked.
func (o *Owners) handlePath(c *call) (notifResp, bool, error) {
	a := c.n.args
	switch int(c.n.nr) {
	case unix.SYS_OPEN, unix.SYS_CREAT, unix.SYS_OPENAT, unix.SYS_OPENAT2:
		dirfd, addr := int32(atFDCWD), a[0]
		var how unix.OpenHow
		switch int(c.n.nr) {
		case unix.SYS_OPEN:
			how = unix.OpenHow{Flags: a[1], Mode: a[2] & 0o7777}
		case unix.SYS_CREAT:
			how = unix.OpenHow{Flags: unix.O_CREAT | unix.O_WRONLY | unix.O_TRUNC, Mode: a[1] & 0o7777}
		case unix.SYS_OPENAT:
			dirfd, addr = int32(a[0]), a[1]
			how = unix.OpenHow{Flags: a[2], Mode: a[3] & 0o7777}
		case unix.SYS_OPENAT2:
			dirfd, addr = int32(a[0]), a[1]
			b := make([]byte, unix.SizeofOpenHow)
			if _, err := c.mem.ReadAt(b, int64(a[2])); err != nil {
				return notifResp{}, true, unix.EFAULT
			}
			how = *(*unix.OpenHow)(unsafe.Pointer(&b[0]))
		}
		p, tr, err := c.target(dirfd, addr, false)
		if err != nil {
			return notifResp{}, true, err
		}
		if !tr {
			if err := c.procGuard(dirfd, p); err != nil {
				return notifResp{}, true, err
			}
			return cont, true, nil
		}
		if how.Flags&(unix.O_CREAT|unix.O_TMPFILE) != 0 {
			how.Mode &^= uint64(umaskOf(c.n.pid))
		}
		fd, err := unix.Openat2(unix.AT_FDCWD, p, &how)
		if err != nil {
			return notifResp{}, true, err
		}
		defer unix.Close(fd)
		add := notifAddFD{id: c.n.id, flags: unix.SECCOMP_ADDFD_FLAG_SEND, srcfd: uint32(fd)}
		if how.Flags&unix.O_CLOEXEC != 0 {
			add.newfdFlags = unix.O_CLOEXEC
		}
		if err := ioctl(c.listener, unix.SECCOMP_IOCTL_NOTIF_ADDFD, unsafe.Pointer(&add)); err != nil {
			return notifResp{}, true, err
		}
		return notifResp{flags: sent}, true, nil
	case unix.SYS_ACCESS:
		return c.one(atFDCWD, a[0], func(p string) error { return unix.Faccessat(unix.AT_FDCWD, p, uint32(a[1]), 0) })
	case unix.SYS_FACCESSAT, unix.SYS_FACCESSAT2:
		flags := 0
		if int(c.n.nr) == unix.SYS_FACCESSAT2 {
			flags = int(a[3]) &^ unix.AT_EMPTY_PATH
		}
		return c.one(int32(a[0]), a[1], func(p string) error { return unix.Faccessat(unix.AT_FDCWD, p, uint32(a[2]), flags) })
	case unix.SYS_MKDIR:
		return c.one(atFDCWD, a[0], func(p string) error { return unix.Mkdir(p, uint32(a[1])&0o7777&^umaskOf(c.n.pid)) })
	case unix.SYS_MKDIRAT:
		return c.one(int32(a[0]), a[1], func(p string) error { return unix.Mkdir(p, uint32(a[2])&0o7777&^umaskOf(c.n.pid)) })
	case unix.SYS_RMDIR:
		return c.one(atFDCWD, a[0], unix.Rmdir)
	case unix.SYS_UNLINK:
		return c.one(atFDCWD, a[0], unix.Unlink)
	case unix.SYS_UNLINKAT:
		return c.one(int32(a[0]), a[1], func(p string) error { return unix.Unlinkat(unix.AT_FDCWD, p, int(a[2])) })
	case unix.SYS_CHMOD:
		return c.one(atFDCWD, a[0], func(p string) error { return unix.Chmod(p, uint32(a[1])) })
	case unix.SYS_FCHMODAT, unix.SYS_FCHMODAT2:
		return c.one(int32(a[0]), a[1], func(p string) error { return unix.Fchmodat(unix.AT_FDCWD, p, uint32(a[2]), 0) })
	case unix.SYS_TRUNCATE:
		return c.one(atFDCWD, a[0], func(p string) error { return unix.Truncate(p, int64(a[1])) })
	case unix.SYS_UTIMENSAT:
		if a[1] == 0 {
			return cont, true, nil // futimens
		}
		return c.one(int32(a[0]), a[1], func(p string) error {
			ts := []unix.Timespec{{Nsec: unix.UTIME_NOW}, {Nsec: unix.UTIME_NOW}}
			if a[2] != 0 {
				b := make([]byte, 32)
				if _, err := c.mem.ReadAt(b, int64(a[2])); err != nil {
					return unix.EFAULT
				}
				t := (*[2]unix.Timespec)(unsafe.Pointer(&b[0]))
				ts = t[:]
			}
			return unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, int(a[3]))
		})
	case unix.SYS_READLINK, unix.SYS_READLINKAT:
		dirfd, addr, buf, size := int32(atFDCWD), a[0], a[1], a[2]
		if int(c.n.nr) == unix.SYS_READLINKAT {
			dirfd, addr, buf, size = int32(a[0]), a[1], a[2], a[3]
		}
		p, tr, err := c.target(dirfd, addr, false)
		if err != nil || !tr {
			return cont, true, nil
		}
		b := make([]byte, min(size, unix.PathMax))
		n, err := unix.Readlink(p, b)
		if err != nil {
			return notifResp{}, true, err
		}
		if err := c.write(buf, b[:n]); err != nil {
			return notifResp{}, true, err
		}
		return notifResp{val: int64(n)}, true, nil
	case unix.SYS_SYMLINK, unix.SYS_SYMLINKAT:
		dirfd, addr := int32(atFDCWD), a[1]
		if int(c.n.nr) == unix.SYS_SYMLINKAT {
			dirfd, addr = int32(a[1]), a[2]
		}
		return c.one(dirfd, addr, func(p string) error {
			target, err := c.str(a[0])
			if err != nil {
				return err
			}
			return unix.Symlink(target, p)
		})
	case unix.SYS_RENAME, unix.SYS_RENAMEAT, unix.SYS_RENAMEAT2, unix.SYS_LINK, unix.SYS_LINKAT:
		od, oa, nd, na, flags := int32(atFDCWD), a[0], int32(atFDCWD), a[1], 0
		switch int(c.n.nr) {
		case unix.SYS_RENAMEAT, unix.SYS_LINKAT:
			od, oa, nd, na, flags = int32(a[0]), a[1], int32(a[2]), a[3], int(a[4])
		case unix.SYS_RENAMEAT2:
			od, oa, nd, na, flags = int32(a[0]), a[1], int32(a[2]), a[3], int(a[4])
		}
		if int(c.n.nr) == unix.SYS_RENAMEAT {
			flags = 0
		}
		op, otr, err := c.target(od, oa, flags&unix.AT_EMPTY_PATH != 0)
		if err != nil {
			return notifResp{}, true, err
		}
		np, ntr, err := c.target(nd, na, false)
		if err != nil {
			return notifResp{}, true, err
		}
		if !otr && !ntr {
			return cont, true, nil
		}
		if !c.valid() {
			return notifResp{}, true, unix.ESRCH
		}
		switch int(c.n.nr) {
		case unix.SYS_LINK, unix.SYS_LINKAT:
			return notifResp{}, true, unix.Linkat(unix.AT_FDCWD, op, unix.AT_FDCWD, np, flags)
		default:
			return notifResp{}, true, unix.Renameat2(unix.AT_FDCWD, op, unix.AT_FDCWD, np, uint(flags))
		}
	}
	return notifResp{}, false, nil
}

// one runs do on a translated path, or lets the syscall run.
func (c *call) one(dirfd int32, addr uint64, do func(string) error) (notifResp, bool, error) {
	p, tr, err := c.target(dirfd, addr, false)
	if err != nil || !tr {
		return cont, true, nil
	}
	if !c.valid() {
		return notifResp{}, true, unix.ESRCH
	}
	return notifResp{}, true, do(p)
}

// procSecret are the /proc/<pid> entries that give another process's
// environment, memory or files away.
var procSecret = map[string]bool{
	"environ": true, "mem": true, "fd": true, "fdinfo": true, "map_files": true, "root": true,
	"cwd": true, "auxv": true, "pagemap": true,
}

// procGuard refuses an open of another process's /proc secrets: steps run
// as the same uid as the job's shell, whose environment holds the CI's
// secrets (the kernel would let them read it; a pid namespace would hide
// it, which restricted isolation cannot make).
func (c *call) procGuard(dirfd int32, p string) error {
	if rel, ok := strings.CutPrefix(p, c.fdPath(dirfd)+"/"); ok {
		// Relative to the caller's cwd or dirfd: where is that?
		base, err := os.Readlink(c.fdPath(dirfd))
		if err != nil {
			return nil
		}
		p = base + "/" + rel
	}
	p = filepath.Clean(p)
	rest, ok := strings.CutPrefix(p, "/proc/")
	if !ok {
		return nil
	}
	parts := strings.Split(rest, "/")
	pid, err := strconv.Atoi(parts[0])
	if err != nil {
		return nil // self, thread-self, meminfo, ...
	}
	secret := false
	for _, part := range parts[1:] {
		if procSecret[part] {
			secret = true
		}
	}
	if !secret || c.inStep(pid) {
		return nil
	}
	return unix.EACCES
}

// inStep reports whether pid descends from the step's first process (or is
// in its process group).
func (c *call) inStep(pid int) bool {
	if g, err := unix.Getpgid(pid); err == nil && g == c.step {
		return true
	}
	for i := 0; i < 64 && pid > 1; i++ {
		if pid == c.step {
			return true
		}
		pid = parentOf(pid)
	}
	return false
}

func parentOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}
