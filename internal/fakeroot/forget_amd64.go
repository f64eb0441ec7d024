package fakeroot

import "golang.org/x/sys/unix"

// forgetVictim drops the record of the file an unlink, rmdir or rename
// over it is about to free, before the kernel runs the call: where the
// filesystem keeps no birth time (Docker's overlayfs) records are keyed by
// inode alone, and the next file given that inode (update-rc.d's link
// after adduser replaced /etc/gshadow, a USER's new file) would inherit
// the dead file's owner. A file with other hard links keeps its record;
// if the call then fails, the record is lost (the file is root's).
func (o *Owners) forgetVictim(c *call) {
	a := c.n.args
	var dirfd int32
	var addr uint64
	switch int(c.n.nr) {
	case unix.SYS_UNLINK, unix.SYS_RMDIR:
		dirfd, addr = atFDCWD, a[0]
	case unix.SYS_UNLINKAT:
		dirfd, addr = int32(a[0]), a[1]
	case unix.SYS_RENAME:
		dirfd, addr = atFDCWD, a[1]
	case unix.SYS_RENAMEAT:
		dirfd, addr = int32(a[2]), a[3]
	case unix.SYS_RENAMEAT2:
		if a[4]&(unix.RENAME_EXCHANGE|unix.RENAME_NOREPLACE) != 0 {
			return // nothing is freed
		}
		dirfd, addr = int32(a[2]), a[3]
	default:
		return
	}
	p, err := c.path(dirfd, addr, false)
	if err != nil {
		return
	}
	st, err := statx(p, false)
	if err != nil || st.Uid != o.uid {
		return
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR && st.Nlink > 1 {
		return
	}
	if int(c.n.nr) != unix.SYS_UNLINK && int(c.n.nr) != unix.SYS_UNLINKAT && int(c.n.nr) != unix.SYS_RMDIR {
		// A rename of a file onto itself (or a hard link of it) frees
		// nothing.
		op, err := c.path(int32(oldDirfd(c)), oldAddr(c), false)
		if err != nil {
			return
		}
		if ost, err := statx(op, false); err == nil && keyOf(&ost) == keyOf(&st) {
			return
		}
	}
	o.forget(&st)
}

func oldDirfd(c *call) int64 {
	if int(c.n.nr) == unix.SYS_RENAME {
		return atFDCWD
	}
	return int64(int32(c.n.args[0]))
}

func oldAddr(c *call) uint64 {
	if int(c.n.nr) == unix.SYS_RENAME {
		return c.n.args[0]
	}
	return c.n.args[1]
}
