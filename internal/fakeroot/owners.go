package fakeroot

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Owners records what a root build would have made of the files a
// restricted build writes as its own uid: owners set by chown (or by a
// layer's headers at extraction) and device nodes mknod could not make.
// A file hush's uid owns that has no record belongs to root (0:0), as
// everything a root build creates does; other files keep their owner.
// One per build; safe for the supervisors' goroutines.
type Owners struct {
	mu   sync.Mutex
	recs map[fileKey]record
	uid  uint32 // hush's own uid: the real owner of what the build writes
	tr   translation
}

// translation is where steps' paths lead instead (Translate).
type translation struct {
	// root is the stage root; "" translates nothing.
	root string
	// etc: /etc and below lead to root/etc: Docker's init layer makes the
	// container's /etc a root-owned directory, which a non-root uid cannot
	// fill with the stage's.
	etc bool
	// tops are the top-level names / links into root: the name itself
	// leads to root/name, so mkdir /app makes the stage's /app (the
	// kernel makes nothing through a dangling link).
	tops map[string]bool
	// real are the container's own top-level entries (/hush, /proc, ...):
	// any other top-level name leads into root, with all below it.
	real map[string]bool
}

// Translate makes steps' paths lead into the stage root dir where / cannot
// hold them (the syscalls the filter catches): /etc and below unless /etc
// links there, and each top-level name linked there.
func (o *Owners) Translate(dir string) {
	t := translation{root: dir, tops: map[string]bool{}, real: map[string]bool{}}
	entries, _ := os.ReadDir("/")
	for _, e := range entries {
		if l, err := os.Readlink("/" + e.Name()); err == nil && filepath.Clean(l) == filepath.Join(dir, e.Name()) {
			t.tops[e.Name()] = true
		} else {
			t.real[e.Name()] = true
		}
	}
	t.etc = !t.tops["etc"]
	o.tr = t
}

// translate is where the absolute path p leads, and whether it moved.
func (t *translation) translate(p string) (string, bool) {
	if t.root == "" {
		return p, false
	}
	clean := filepath.Clean(p)
	if t.etc && (clean == "/etc" || strings.HasPrefix(clean, "/etc/")) {
		return t.root + clean, true
	}
	top, _, deeper := strings.Cut(clean[1:], "/")
	switch {
	case top == "" || t.real[top]:
		return p, false
	case t.tops[top] && deeper:
		return p, false // the kernel follows the link
	}
	// The link itself, or a name / does not have (/deps.txt, /newtop/x).
	return t.root + clean, true
}

type fileKey struct{ dev, ino uint64 }

type record struct {
	uid, gid uint32
	btime    unix.StatxTimestamp // zero where the filesystem keeps none
	kind     uint32              // S_IFCHR or S_IFBLK for a recorded device node, else 0
	rdev     uint64
}

// New returns an empty record set for a build running as this process's uid.
func New() *Owners {
	return &Owners{recs: map[fileKey]record{}, uid: uint32(os.Geteuid())}
}

const statxMask = unix.STATX_BASIC_STATS | unix.STATX_BTIME

func statx(path string, follow bool) (unix.Statx_t, error) {
	var st unix.Statx_t
	flags := unix.AT_STATX_SYNC_AS_STAT
	if !follow {
		flags |= unix.AT_SYMLINK_NOFOLLOW
	}
	err := unix.Statx(unix.AT_FDCWD, path, flags, statxMask, &st)
	return st, err
}

func keyOf(st *unix.Statx_t) fileKey {
	return fileKey{dev: unix.Mkdev(st.Dev_major, st.Dev_minor), ino: st.Ino}
}

// lookup finds st's record, if it is the same file (birth time) the
// record was made for.
func (o *Owners) lookup(st *unix.Statx_t) (record, bool) {
	o.mu.Lock()
	r, ok := o.recs[keyOf(st)]
	o.mu.Unlock()
	if ok && st.Mask&unix.STATX_BTIME != 0 && r.btime != (unix.StatxTimestamp{}) && r.btime != st.Btime {
		return record{}, false // the inode was freed and reused
	}
	return r, ok
}

// Owner is the owner st has in the build: recorded, root for an unrecorded
// file of hush's uid, else its real one.
func (o *Owners) Owner(st *unix.Statx_t) (uid, gid uint32) {
	if st.Uid != o.uid {
		return st.Uid, st.Gid
	}
	if r, ok := o.lookup(st); ok {
		return r.uid, r.gid
	}
	return 0, 0
}

// OwnerOf is Owner for the file at path (not following a last symlink).
func (o *Owners) OwnerOf(path string) (uid, gid uint32, err error) {
	st, err := statx(path, false)
	if err != nil {
		return 0, 0, err
	}
	uid, gid = o.Owner(&st)
	return uid, gid, nil
}

// Device reports the device node recorded for the file at path.
func (o *Owners) Device(path string) (kind uint32, rdev uint64, ok bool) {
	st, err := statx(path, false)
	if err != nil {
		return 0, 0, false
	}
	r, found := o.lookup(&st)
	if !found || r.kind == 0 {
		return 0, 0, false
	}
	return r.kind, r.rdev, true
}

// Lchown records path (not following a last symlink) as owned by uid:gid,
// where a root build's lchown would have set it; -1 keeps that id. As the
// kernel does for chown, it clears a regular file's set-user-ID bit (and
// set-group-ID where group-executable).
func (o *Owners) Lchown(path string, uid, gid int) error { return o.chown(path, false, uid, gid) }

func (o *Owners) chown(path string, follow bool, uid, gid int) error {
	st, err := statx(path, follow)
	if err != nil {
		return err
	}
	if st.Uid != o.uid {
		// Not ours: only a real chown can change it, and root's would
		// have; say so as the kernel would to a non-root caller.
		if err := unix.Fchownat(unix.AT_FDCWD, path, uid, gid, nofollow(follow)); err != nil {
			return err
		}
		return nil
	}
	o.set(&st, uid, gid, 0, 0)
	mode := uint32(st.Mode)
	if mode&unix.S_IFMT == unix.S_IFREG && mode&(unix.S_ISUID|unix.S_ISGID) != 0 {
		kill := uint32(unix.S_ISUID)
		if mode&unix.S_IXGRP != 0 {
			kill |= unix.S_ISGID
		}
		if mode&kill != 0 {
			_ = unix.Fchmodat(unix.AT_FDCWD, path, mode&0o7777&^kill, 0)
		}
	}
	return nil
}

func nofollow(follow bool) int {
	if follow {
		return 0
	}
	return unix.AT_SYMLINK_NOFOLLOW
}

// set records st's owner (and device), -1 keeping the current one.
func (o *Owners) set(st *unix.Statx_t, uid, gid int, kind uint32, rdev uint64) {
	cu, cg := o.Owner(st)
	o.mu.Lock()
	defer o.mu.Unlock()
	r := o.recs[keyOf(st)]
	if kind == 0 && r.kind != 0 && r.btime == st.Btime {
		kind, rdev = r.kind, r.rdev // a chown keeps a recorded device a device
	}
	r = record{uid: cu, gid: cg, kind: kind, rdev: rdev}
	if st.Mask&unix.STATX_BTIME != 0 {
		r.btime = st.Btime
	}
	if uid >= 0 {
		r.uid = uint32(uid)
	}
	if gid >= 0 {
		r.gid = uint32(gid)
	}
	o.recs[keyOf(st)] = r
}

// forget drops st's record: the file is going away.
func (o *Owners) forget(st *unix.Statx_t) {
	o.mu.Lock()
	delete(o.recs, keyOf(st))
	o.mu.Unlock()
}

// Mknod records path, an empty regular file made in its place, as the
// device node a root build's mknod would have made.
func (o *Owners) Mknod(path string, kind uint32, rdev uint64, uid, gid int) error {
	st, err := statx(path, false)
	if err != nil {
		return err
	}
	o.set(&st, uid, gid, kind, rdev)
	return nil
}

// Len is how many files have records.
func (o *Owners) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.recs)
}

func (o *Owners) deviceOf(st *unix.Statx_t) (uint32, uint64, bool) {
	if st.Uid != o.uid {
		return 0, 0, false
	}
	r, ok := o.lookup(st)
	if !ok || r.kind == 0 {
		return 0, 0, false
	}
	return r.kind, r.rdev, true
}

// Supported says why the fake root cannot work here (nil: it can).
func (o *Owners) Supported() error { return Supported() }

// ClaimNew records every file under root that hush's uid made at or after
// since and that has no record as uid:gid's: what a step of a non-root
// USER made is that user's in a root build.
func (o *Owners) ClaimNew(root string, since time.Time, uid, gid int) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // gone meanwhile, or unreadable: nothing to claim
		}
		st, err := statx(p, false)
		if err != nil || st.Uid != o.uid {
			return nil
		}
		born := st.Btime
		if st.Mask&unix.STATX_BTIME == 0 {
			// No birth time (overlayfs on some hosts): the change time,
			// which a file older than the step has too if the step wrote
			// it (only unrecorded files, root's by default, are claimed).
			born = st.Ctime
		}
		if time.Unix(born.Sec, int64(born.Nsec)).Before(since) {
			return nil
		}
		if _, ok := o.lookup(&st); !ok {
			o.set(&st, uid, gid, 0, 0)
		}
		return nil
	})
}
