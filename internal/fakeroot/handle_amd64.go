package fakeroot

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// handle answers one caught syscall (the amd64 numbers filter_amd64.go
// catches).
func (o *Owners) handle(c *call) (notifResp, error) {
	a := c.n.args
	o.forgetVictim(c)
	switch int(c.n.nr) {
	case unix.SYS_GETUID, unix.SYS_GETEUID, unix.SYS_GETGID, unix.SYS_GETEGID:
		cr := c.cr.get(int(c.n.pid))
		switch int(c.n.nr) {
		case unix.SYS_GETUID:
			return notifResp{val: int64(cr.uid[0])}, nil
		case unix.SYS_GETEUID:
			return notifResp{val: int64(cr.uid[1])}, nil
		case unix.SYS_GETGID:
			return notifResp{val: int64(cr.gid[0])}, nil
		}
		return notifResp{val: int64(cr.gid[1])}, nil
	case unix.SYS_GETRESUID, unix.SYS_GETRESGID:
		cr := c.cr.get(int(c.n.pid))
		ids := cr.uid
		if int(c.n.nr) == unix.SYS_GETRESGID {
			ids = cr.gid
		}
		for i, p := range a[:3] {
			b := unsafe.Slice((*byte)(unsafe.Pointer(&ids[i])), 4)
			if err := c.write(p, b); err != nil {
				return notifResp{}, err
			}
		}
		return notifResp{}, nil
	case unix.SYS_SETUID, unix.SYS_SETGID, unix.SYS_SETREUID, unix.SYS_SETREGID, unix.SYS_SETRESUID, unix.SYS_SETRESGID:
		n := map[int]int{unix.SYS_SETUID: 1, unix.SYS_SETGID: 1, unix.SYS_SETREUID: 2, unix.SYS_SETREGID: 2}[int(c.n.nr)]
		if n == 0 {
			n = 3
		}
		gid := c.n.nr == unix.SYS_SETGID || c.n.nr == unix.SYS_SETREGID || c.n.nr == unix.SYS_SETRESGID
		cr := c.cr.get(int(c.n.pid))
		if err := setids(&cr, gid, n, []uint32{uint32(a[0]), uint32(a[1]), uint32(a[2])}); err != nil {
			return notifResp{}, err
		}
		c.cr.set(int(c.n.pid), cr)
		return notifResp{}, nil
	case unix.SYS_SETGROUPS:
		// Only a (fake) root may; the groups themselves are not kept
		// (getgroups answers none).
		if c.cr.get(int(c.n.pid)).uid[1] != 0 {
			return notifResp{}, unix.EPERM
		}
		return notifResp{}, nil
	case unix.SYS_CHOWN, unix.SYS_LCHOWN:
		p, err := c.path(atFDCWD, a[0], false)
		if err != nil {
			return notifResp{}, err
		}
		return o.doChown(c, p, int(c.n.nr) == unix.SYS_CHOWN, a[1], a[2])
	case unix.SYS_FCHOWN:
		return o.doChown(c, c.fdPath(int32(a[0])), true, a[1], a[2])
	case unix.SYS_FCHOWNAT:
		p, err := c.path(int32(a[0]), a[1], a[4]&unix.AT_EMPTY_PATH != 0)
		if err != nil {
			return notifResp{}, err
		}
		return o.doChown(c, p, a[4]&unix.AT_SYMLINK_NOFOLLOW == 0, a[2], a[3])
	case unix.SYS_MKNOD:
		return o.doMknod(c, atFDCWD, a[0], uint32(a[1]), a[2])
	case unix.SYS_MKNODAT:
		return o.doMknod(c, int32(a[0]), a[1], uint32(a[2]), a[3])
	case unix.SYS_STAT, unix.SYS_LSTAT:
		p, err := c.path(atFDCWD, a[0], false)
		if err != nil {
			return notifResp{}, err
		}
		return o.doStat(c, p, int(c.n.nr) == unix.SYS_STAT, a[1])
	case unix.SYS_FSTAT:
		return o.doStat(c, c.fdPath(int32(a[0])), true, a[1])
	case unix.SYS_NEWFSTATAT:
		p, err := c.path(int32(a[0]), a[1], a[3]&unix.AT_EMPTY_PATH != 0)
		if err != nil {
			return notifResp{}, err
		}
		return o.doStat(c, p, a[3]&unix.AT_SYMLINK_NOFOLLOW == 0, a[2])
	case unix.SYS_STATX:
		p, err := c.path(int32(a[0]), a[1], a[2]&unix.AT_EMPTY_PATH != 0)
		if err != nil {
			return notifResp{}, err
		}
		var st unix.Statx_t
		flags := int(a[2]) &^ unix.AT_EMPTY_PATH
		if err := unix.Statx(unix.AT_FDCWD, p, flags, int(a[3]), &st); err != nil {
			return notifResp{}, err
		}
		if kind, rdev, ok := o.deviceOf(&st); ok {
			st.Mode = uint16(kind) | st.Mode&0o7777
			st.Rdev_major, st.Rdev_minor = unix.Major(rdev), unix.Minor(rdev)
		}
		st.Uid, st.Gid = o.Owner(&st) // after deviceOf, which needs the real owner
		b := unsafe.Slice((*byte)(unsafe.Pointer(&st)), 256)
		if !c.valid() {
			return notifResp{}, unix.ESRCH
		}
		return notifResp{}, c.write(a[4], b)
	}
	if r, ok, err := o.handlePath(c); ok {
		return r, err
	}
	return cont, nil
}

func id(v uint64) int {
	if int32(v) == -1 {
		return -1
	}
	return int(uint32(v))
}

func (o *Owners) doChown(c *call, p string, follow bool, uid, gid uint64) (notifResp, error) {
	if !c.valid() {
		return notifResp{}, unix.ESRCH
	}
	return notifResp{}, o.chown(p, follow, id(uid), id(gid))
}

// doMknod makes a device node as an empty file recorded as the device;
// FIFOs, sockets and regular files the kernel makes itself.
func (o *Owners) doMknod(c *call, dirfd int32, addr uint64, mode uint32, dev uint64) (notifResp, error) {
	kind := mode & unix.S_IFMT
	if kind != unix.S_IFCHR && kind != unix.S_IFBLK {
		return cont, nil
	}
	p, err := c.path(dirfd, addr, false)
	if err != nil {
		return notifResp{}, err
	}
	if !c.valid() {
		return notifResp{}, unix.ESRCH
	}
	perm := mode & 0o7777 &^ umaskOf(c.n.pid)
	fd, err := unix.Open(p, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, perm)
	if err != nil {
		return notifResp{}, err
	}
	unix.Close(fd)
	return notifResp{}, o.Mknod(p, kind, dev, -1, -1)
}

func umaskOf(pid uint32) uint32 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0o022
	}
	if i := bytes.Index(b, []byte("Umask:")); i >= 0 {
		f := bytes.Fields(b[i+6:])
		if len(f) > 0 {
			if v, err := strconv.ParseUint(string(f[0]), 8, 32); err == nil {
				return uint32(v)
			}
		}
	}
	return 0o022
}

// doStat answers stat, lstat, fstat and newfstatat with a struct stat
// carrying the recorded owner.
func (o *Owners) doStat(c *call, p string, follow bool, buf uint64) (notifResp, error) {
	sx, err := statx(p, follow)
	if err != nil {
		return notifResp{}, err
	}
	uid, gid := o.Owner(&sx)
	st := unix.Stat_t{
		Dev: unix.Mkdev(sx.Dev_major, sx.Dev_minor), Ino: sx.Ino, Nlink: uint64(sx.Nlink),
		Mode: uint32(sx.Mode), Uid: uid, Gid: gid, Rdev: unix.Mkdev(sx.Rdev_major, sx.Rdev_minor),
		Size: int64(sx.Size), Blksize: int64(sx.Blksize), Blocks: int64(sx.Blocks),
		Atim: ts(sx.Atime), Mtim: ts(sx.Mtime), Ctim: ts(sx.Ctime),
	}
	if kind, rdev, ok := o.deviceOf(&sx); ok {
		st.Mode = kind | st.Mode&0o7777
		st.Rdev = rdev
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(&st)), unsafe.Sizeof(st))
	if !c.valid() {
		return notifResp{}, unix.ESRCH
	}
	return notifResp{}, c.write(buf, b)
}

func ts(t unix.StatxTimestamp) unix.Timespec {
	return unix.Timespec{Sec: t.Sec, Nsec: int64(t.Nsec)}
}
