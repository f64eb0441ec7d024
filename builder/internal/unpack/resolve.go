package unpack

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Paths are resolved by the kernel with openat2: RESOLVE_BENEATH refuses
// any step out of the starting directory, RESOLVE_NO_SYMLINKS any symlink
// on the way (an archive's `esc -> /etc` then `esc/x` is refused, not
// written to /etc/x nor redirected to DEST/etc/x), RESOLVE_NO_XDEV any
// mount point. pathrs-lite (vendored for runc) resolves symlinks inside
// the root instead, which silently moves such a member elsewhere in the
// tree; storage's chrootarchive needs a chroot and still writes through
// links. Where openat2 is missing (kernels before 5.6, seccomp profiles
// that predate it) each component is opened with O_NOFOLLOW from its
// parent: clean has already ruled out "..", so that walk cannot leave the
// tree either.
const resolve = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV

// noOpenat2 is set once openat2 reported that it is not available.
var noOpenat2 atomic.Bool

// openBeneath opens rel (clean: no "..", no leading "/") beneath dirfd
// without following a symlink, with flags.
func openBeneath(dirfd int, rel string, flags int) (int, error) {
	flags |= unix.O_NOFOLLOW | unix.O_CLOEXEC
	if !noOpenat2.Load() {
		fd, err := unix.Openat2(dirfd, rel, &unix.OpenHow{Flags: uint64(flags), Resolve: resolve})
		if !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EPERM) {
			return fd, err
		}
		noOpenat2.Store(true)
	}
	cur := dirfd
	parts := strings.Split(rel, "/")
	for i, c := range parts {
		f := unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
		if i == len(parts)-1 {
			f = flags
		}
		fd, err := unix.Openat(cur, c, f, 0)
		if cur != dirfd {
			unix.Close(cur)
		}
		if err != nil {
			return -1, err
		}
		cur = fd
	}
	return cur, nil
}

// openDir opens the directory rel beneath the root ("" is the root
// itself, returned as is); with create, missing directories on the way
// are made 0700 and get mode 0755 at the end, as tar gives them.
func (u *unpacker) openDir(rel string, create bool) (int, error) {
	if rel == "" {
		return u.root, nil
	}
	fd, err := openBeneath(u.root, rel, unix.O_DIRECTORY|unix.O_RDONLY)
	if err == nil {
		return fd, nil
	}
	if !create || !errors.Is(err, unix.ENOENT) {
		return -1, u.dirError(rel, err)
	}
	// Walk it, making what is missing; each step is resolved as above.
	cur := u.root
	parts := strings.Split(rel, "/")
	for i, c := range parts {
		sub := strings.Join(parts[:i+1], "/")
		fd, err := openBeneath(cur, c, unix.O_DIRECTORY|unix.O_RDONLY)
		if errors.Is(err, unix.ENOENT) {
			if err = unix.Mkdirat(cur, c, 0o700); err == nil || errors.Is(err, unix.EEXIST) {
				u.dirs = append(u.dirs, dirMeta{rel: sub, mode: 0o755, hdr: implicitDir(sub)})
				fd, err = openBeneath(cur, c, unix.O_DIRECTORY|unix.O_RDONLY)
			}
		}
		if cur != u.root {
			unix.Close(cur)
		}
		if err != nil {
			return -1, u.dirError(sub, err)
		}
		cur = fd
	}
	return cur, nil
}

// dirError says, without any content, why rel is no directory to write
// in, naming the first component on the way that is a symlink or no
// directory. Prefixes are looked at in order, so fstatat never follows a
// symlink before it is reported.
func (u *unpacker) dirError(rel string, err error) error {
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
		parts := strings.Split(rel, "/")
		for i := range parts {
			sub := strings.Join(parts[:i+1], "/")
			var st unix.Stat_t
			if unix.Fstatat(u.root, sub, &st, unix.AT_SYMLINK_NOFOLLOW) != nil {
				break
			}
			switch st.Mode & unix.S_IFMT {
			case unix.S_IFDIR:
				continue
			case unix.S_IFLNK:
				return fmt.Errorf("path %q goes through a symlink", sub)
			default:
				return fmt.Errorf("path %q is not a directory", sub)
			}
		}
	}
	switch {
	case errors.Is(err, unix.ELOOP):
		return fmt.Errorf("path %q goes through a symlink", rel)
	case errors.Is(err, unix.ENOTDIR):
		return fmt.Errorf("path %q is not a directory", rel)
	case errors.Is(err, unix.EXDEV):
		return fmt.Errorf("path %q leaves the destination", rel)
	case errors.Is(err, unix.ENOENT):
		return fmt.Errorf("path %q does not exist", rel)
	default:
		return fmt.Errorf("path %q: %s", rel, errText(err))
	}
}

// Regular checks that name, relative to root, is a regular file reached
// without a symlink and without leaving root: how a caller reads a file
// (a Dockerfile) from a tree unpacked from an untrusted archive, where a
// symlink would point at the host.
func Regular(root, name string) error {
	rel, err := clean(name)
	if err != nil {
		return err
	}
	if rel == "" {
		return errors.New("is the tree itself, not a file")
	}
	rfd, err := unix.Open(root, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(rfd)
	fd, err := openBeneath(rfd, rel, unix.O_PATH)
	if err != nil {
		if errors.Is(err, unix.ELOOP) {
			return errors.New("is a symlink, or reached through one")
		}
		if errors.Is(err, unix.ENOENT) {
			return os.ErrNotExist
		}
		return errors.New(errText(err))
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFLNK:
		return errors.New("is a symlink, or reached through one")
	default:
		return errors.New("is not a regular file")
	}
	return nil
}
