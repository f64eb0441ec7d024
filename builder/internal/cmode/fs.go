package cmode

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.podman.io/storage/pkg/archive"
	"golang.org/x/sys/unix"
)

// Container isolation works on the root filesystem hush itself runs in:
// a stage's base is extracted over /, its steps run there, and what they
// changed is found by comparing / with the state right after extraction.
// What must survive that (hush, the kernel's filesystems, volumes, the
// store, the secrets' tmpfs, the build context) is on an ignore list, as
// in kaniko's executor: never deleted, never extracted over, never part
// of a layer.

// ignoreList holds absolute, clean paths kept out of the stage's root.
type ignoreList struct{ paths []string }

// alwaysIgnored are kept in every container: the kernel's filesystems and
// their contents, and /etc/mtab, which the runtime makes (a symlink into
// /proc) and an image cannot meaningfully ship.
var alwaysIgnored = []string{"/proc", "/sys", "/dev", "/etc/mtab"}

// newIgnoreList keeps alwaysIgnored, every mount point in mountinfo (a
// volume, /etc/hosts, /etc/resolv.conf, /dev/shm) but / itself, and extra.
func newIgnoreList(mountinfo string, extra ...string) *ignoreList {
	l := &ignoreList{}
	for _, p := range alwaysIgnored {
		l.add(p)
	}
	for _, line := range strings.Split(mountinfo, "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && f[4] != "/" {
			l.add(unescapeMountinfo(f[4]))
		}
	}
	for _, p := range extra {
		l.add(p)
	}
	return l
}

func (l *ignoreList) add(p string) {
	if p == "" || !filepath.IsAbs(p) {
		return
	}
	p = filepath.Clean(p)
	if p == "/" {
		return
	}
	for _, q := range l.paths {
		if q == p {
			return
		}
	}
	l.paths = append(l.paths, p)
}

// ignored reports whether p is an ignored path or lies under one.
func (l *ignoreList) ignored(p string) bool {
	for _, q := range l.paths {
		if p == q || strings.HasPrefix(p, q+"/") {
			return true
		}
	}
	return false
}

// holds reports whether an ignored path lies strictly under directory p,
// so p must be kept (though its other contents may go).
func (l *ignoreList) holds(p string) bool {
	if p == "/" {
		return len(l.paths) > 0
	}
	for _, q := range l.paths {
		if strings.HasPrefix(q, p+"/") {
			return true
		}
	}
	return false
}

// unescapeMountinfo undoes the octal escapes (\040 for a space) the kernel
// writes in mountinfo paths.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// clearRoot deletes everything under root that is not ignored (and keeps
// the directories leading to ignored paths), so a stage starts from its
// base image alone.
func clearRoot(root string, l *ignoreList) error {
	return clearWith(root, l, func(path string, _ bool) error { return os.RemoveAll(path) })
}

// clearWith hands each top-most entry under root that is neither ignored
// nor holding an ignored path to drop (deleting it, or the trash's move).
func clearWith(root string, l *ignoreList, drop func(path string, isDir bool) error) error {
	var clear func(dir string) error
	clear = func(dir string) error {
		entries, err := os.ReadDir(filepath.Join(root, dir))
		if err != nil {
			return err
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			switch {
			case l.ignored(p):
			case e.IsDir() && l.holds(p):
				if err := clear(p); err != nil {
					return err
				}
			default:
				if err := drop(filepath.Join(root, p), e.IsDir()); err != nil {
					return fmt.Errorf("clearing %s: %w", p, err)
				}
			}
		}
		return nil
	}
	return clear("/")
}

// extractLayer applies one layer (an uncompressed tar in the OCI layer
// format, whiteouts included) to root, leaving ignored paths alone.
func extractLayer(root string, r io.Reader, l *ignoreList) error {
	tr := tar.NewReader(r)
	type dirTimes struct {
		path         string
		atime, mtime time.Time
	}
	var dirs []dirTimes
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading layer: %w", err)
		}
		rel := filepath.Clean("/" + hdr.Name)
		if rel == "/" {
			continue
		}
		dir, base := filepath.Split(rel)
		dir = filepath.Clean(dir)
		if l.ignored(rel) || l.ignored(dir) {
			continue
		}
		if base == archive.WhiteoutOpaqueDir {
			if err := clearDir(root, dir, l); err != nil {
				return err
			}
			continue
		}
		if strings.HasPrefix(base, archive.WhiteoutPrefix) {
			victim := filepath.Join(dir, strings.TrimPrefix(base, archive.WhiteoutPrefix))
			if l.ignored(victim) {
				continue
			}
			if l.holds(victim) {
				if err := clearDir(root, victim, l); err != nil {
					return err
				}
				continue
			}
			if err := os.RemoveAll(filepath.Join(root, victim)); err != nil {
				return fmt.Errorf("whiteout %s: %w", victim, err)
			}
			continue
		}
		if err := extractEntry(root, rel, hdr, tr, l); err != nil {
			return fmt.Errorf("extracting %s: %w", rel, err)
		}
		if hdr.Typeflag == tar.TypeDir {
			dirs = append(dirs, dirTimes{rel, hdr.AccessTime, hdr.ModTime})
		}
	}
	// Directory times last: creating their entries changed them.
	for i := len(dirs) - 1; i >= 0; i-- {
		d := dirs[i]
		_ = setTimes(filepath.Join(root, d.path), d.atime, d.mtime, false)
	}
	return nil
}

// clearDir empties dir (an opaque whiteout), keeping ignored paths.
func clearDir(root, dir string, l *ignoreList) error {
	entries, err := os.ReadDir(filepath.Join(root, dir))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch {
		case l.ignored(p):
		case l.holds(p):
			if err := clearDir(root, p, l); err != nil {
				return err
			}
		default:
			if err := os.RemoveAll(filepath.Join(root, p)); err != nil {
				return err
			}
		}
	}
	return nil
}

func extractEntry(root, rel string, hdr *tar.Header, r io.Reader, l *ignoreList) error {
	path := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	mode := uint32(hdr.Mode) & 0o7777
	fi, lerr := os.Lstat(path)
	exists := lerr == nil
	if exists && !(hdr.Typeflag == tar.TypeDir && fi.IsDir()) {
		if fi.IsDir() && l.holds(rel) {
			return fmt.Errorf("would replace a directory holding %s", strings.Join(l.paths, ", "))
		}
		if err := os.RemoveAll(path); err != nil {
			return err
		}
		// A directory is made anew where something else was: a link
		// the next layer replaces, or the container image's own top-level
		// link (/root -> /hush/root/root) that overlayfs shows again once
		// the stage's directory there was moved away.
		exists = false
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		if !exists {
			if err := os.Mkdir(path, 0o755); err != nil {
				return err
			}
		}
	case tar.TypeReg, tar.TypeRegA: //nolint:staticcheck // old archives
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		_, err = io.Copy(f, r)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	case tar.TypeSymlink:
		if err := os.Symlink(hdr.Linkname, path); err != nil {
			return err
		}
	case tar.TypeLink:
		target := filepath.Join(root, filepath.Clean("/"+hdr.Linkname))
		if err := os.Link(target, path); err != nil {
			return err
		}
		return nil // the link shares its target's metadata
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		kind := uint32(unix.S_IFIFO)
		switch hdr.Typeflag {
		case tar.TypeChar:
			kind = unix.S_IFCHR
		case tar.TypeBlock:
			kind = unix.S_IFBLK
		}
		if err := unix.Mknod(path, kind|mode, int(unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor)))); err != nil {
			return err
		}
	default:
		return nil // pax headers and the like carry no file
	}
	if err := os.Lchown(path, hdr.Uid, hdr.Gid); err != nil {
		return err
	}
	for k, v := range hdr.PAXRecords {
		if name, ok := strings.CutPrefix(k, "SCHILY.xattr."); ok {
			_ = unix.Lsetxattr(path, name, []byte(v), 0)
		}
	}
	if hdr.Typeflag != tar.TypeSymlink {
		// After chown, which clears set-id bits.
		if err := unix.Chmod(path, mode); err != nil {
			return err
		}
	}
	return setTimes(path, hdr.AccessTime, hdr.ModTime, hdr.Typeflag == tar.TypeSymlink)
}

func setTimes(path string, atime, mtime time.Time, link bool) error {
	if atime.IsZero() {
		atime = mtime
	}
	ts := []unix.Timespec{unix.NsecToTimespec(atime.UnixNano()), unix.NsecToTimespec(mtime.UnixNano())}
	flags := 0
	if link {
		flags = unix.AT_SYMLINK_NOFOLLOW
	}
	return unix.UtimesNanoAt(unix.AT_FDCWD, path, ts, flags)
}

// fileState is what the snapshot compares. The change time catches every
// write, chmod, chown, xattr change and link-count change the other fields
// could miss (a RUN step cannot set it back); the inode catches a file
// replaced by rename.
type fileState struct {
	ino, dev     uint64
	mode         uint32
	uid, gid     uint32
	size         int64
	mtime, ctime int64
}

// rootState maps every path under root (relative, "/"-prefixed) that is
// not ignored to its state.
type rootState map[string]fileState

// scanRoot records the state of root's tree, skipping ignored paths.
func scanRoot(root string, l *ignoreList) (rootState, error) {
	s := rootState{}
	var walk func(rel string) error
	walk = func(rel string) error {
		entries, err := os.ReadDir(filepath.Join(root, rel))
		if err != nil {
			return err
		}
		for _, e := range entries {
			p := filepath.Join(rel, e.Name())
			if l.ignored(p) {
				continue
			}
			var st unix.Stat_t
			if err := unix.Lstat(filepath.Join(root, p), &st); err != nil {
				if errors.Is(err, unix.ENOENT) {
					continue
				}
				return fmt.Errorf("snapshot: %s: %w", p, err)
			}
			s[p] = fileState{
				ino: st.Ino, dev: uint64(st.Dev), mode: st.Mode, uid: st.Uid, gid: st.Gid, size: st.Size,
				mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano(),
			}
			if st.Mode&unix.S_IFMT == unix.S_IFDIR {
				if err := walk(p); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return s, walk("/")
}

// changes lists what differs from before to after, as storage's archive
// package describes a layer: added and modified paths (exported with their
// current content) and deleted ones (exported as whiteouts). A deletion
// under a directory that is gone, or is no longer a directory, needs no
// whiteout of its own: the parent's covers it.
func changes(before, after rootState) []archive.Change {
	var out []archive.Change
	for p, a := range after {
		b, ok := before[p]
		switch {
		case !ok:
			out = append(out, archive.Change{Path: p, Kind: archive.ChangeAdd})
		case a != b:
			out = append(out, archive.Change{Path: p, Kind: archive.ChangeModify})
		}
	}
	for p := range before {
		if _, ok := after[p]; ok {
			continue
		}
		// A replaced directory (new inode) still gets whiteouts for its old
		// entries: storage applies the layer over the old one.
		if parent := filepath.Dir(p); parent != "/" {
			if pa, ok := after[parent]; !ok || pa.mode&unix.S_IFMT != unix.S_IFDIR {
				continue
			}
		}
		out = append(out, archive.Change{Path: p, Kind: archive.ChangeDelete})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}
