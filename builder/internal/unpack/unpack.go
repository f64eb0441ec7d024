// Package unpack is the one way hush writes out a tar archive it does not
// trust: a build context read from stdin, an image's filesystem for
// `-o type=local`. Everything lands beneath the destination, resolved by
// the kernel (openat2 with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS), so no
// member is written through a symbolic link, the archive's own or one
// already there; hard links may only join files written earlier from the
// same archive; device nodes and FIFOs are skipped; setuid and setgid bits
// are dropped unless asked for; owners are not restored. The tree is
// written in a fresh private (0700) directory beside the destination and
// renamed onto it once complete, so a failure or a kill never leaves a
// half-written destination.
//
// It owns archive members and the paths they name. It must not import
// builder or buildah (audit/depcheck_test.go): callers hand it a reader and
// a path, and journal the temporary it reports through Options.Made.
package unpack

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.podman.io/storage/pkg/archive"
	"golang.org/x/sys/unix"
)

// Defaults for Options' bounds: far above any real context or image, low
// enough that a decompression bomb stops before it fills a disk.
const (
	DefaultMaxBytes   int64 = 64 << 30
	DefaultMaxEntries       = 4 << 20
)

// TempPrefix starts the name of the private directory a tree is written
// in before it is renamed onto the destination.
const TempPrefix = ".hush-unpack-"

// Options bound and adjust one unpacking; the zero value is the safe
// default.
type Options struct {
	// MaxBytes caps the sum of the regular files' sizes; 0 means
	// DefaultMaxBytes.
	MaxBytes int64
	// MaxEntries caps the number of members; 0 means DefaultMaxEntries.
	MaxEntries int
	// KeepSetuid keeps setuid and setgid bits; by default they are dropped.
	KeepSetuid bool
	// Made, when set, is called with the private temporary directory right
	// after it is created and before anything is written in it, so the
	// caller can record it for a sweep after a kill; an error stops.
	Made func(tmp string) error
}

// Stats says what an unpacking wrote and left out.
type Stats struct {
	Entries  int   // members read
	Bytes    int64 // regular files' bytes written
	Skipped  int   // device nodes, FIFOs and members of unknown type, not written
	Stripped int   // members whose setuid or setgid bit was dropped
}

// Error is a member the unpacker refuses. It names the member (quoted and
// cut short) and why, never what the member holds.
type Error struct {
	Member string
	Reason string
}

func (e *Error) Error() string {
	m := e.Member
	if len(m) > 200 {
		m = m[:200] + "..."
	}
	return fmt.Sprintf("archive member %q: %s", m, e.Reason)
}

// ErrLimit is wrapped by the error of an archive that exceeds a bound.
var ErrLimit = errors.New("archive exceeds a limit")

// Unpack writes the tar archive r (plain, or compressed with gzip, bzip2,
// xz or zstd) as a new tree at dest, which must not exist or be an empty
// directory (it is replaced). dest's parent must exist. On error nothing
// is left at dest or beside it. ctx ends the unpacking between reads.
func Unpack(ctx context.Context, r io.Reader, dest string, o Options) (Stats, error) {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if err := Replaceable(dest); err != nil {
		return Stats{}, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dest), TempPrefix)
	if err != nil {
		return Stats{}, fmt.Errorf("creating a directory beside %s: %w", dest, err)
	}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(tmp)
		}
	}()
	if o.Made != nil {
		if err := o.Made(tmp); err != nil {
			return Stats{}, err
		}
	}
	root, err := unix.Open(tmp, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return Stats{}, fmt.Errorf("opening %s: %w", tmp, err)
	}
	defer unix.Close(root)
	pr := newCtxReader(ctx, r)
	defer pr.stop()
	zr, err := archive.DecompressStream(pr)
	if err != nil {
		return Stats{}, fmt.Errorf("reading the archive: %w", err)
	}
	defer zr.Close()
	u := &unpacker{ctx: ctx, o: o, root: root, rootMode: 0o755}
	if err := u.all(tar.NewReader(zr)); err != nil {
		return u.st, err
	}
	if err := u.finish(); err != nil {
		return u.st, err
	}
	// rename(2) replaces an empty directory and refuses anything else, a
	// symlink planted at dest included (os.Rename refuses any directory).
	if err := unix.Rename(tmp, dest); err != nil {
		return u.st, fmt.Errorf("moving the unpacked tree to %s: %w", dest, err)
	}
	ok = true
	return u.st, nil
}

// Replaceable reports, as an error naming dest, when Unpack could not
// write there: dest exists and is not an empty directory (a symlink to
// one included).
func Replaceable(dest string) error {
	fi, err := os.Lstat(dest)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s exists and is not a directory", dest)
	}
	f, err := os.Open(dest)
	if err != nil {
		return err
	}
	defer f.Close()
	if names, _ := f.Readdirnames(1); len(names) > 0 {
		return fmt.Errorf("%s exists and is not empty", dest)
	}
	return nil
}

type unpacker struct {
	ctx      context.Context
	o        Options
	root     int // the private temporary directory
	rootMode uint32
	st       Stats
	dirs     []dirMeta // applied last: a 0500 directory must still take its members
}

type dirMeta struct {
	rel  string
	mode uint32
	hdr  *tar.Header
}

func (u *unpacker) all(tr *tar.Reader) error {
	for {
		if err := u.ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		// Go's reader flags names it thinks insecure only under a GODEBUG
		// setting; the checks below are ours either way.
		if err != nil && !(errors.Is(err, tar.ErrInsecurePath) && hdr != nil) {
			if cerr := u.ctx.Err(); cerr != nil {
				return cerr
			}
			return fmt.Errorf("reading the archive: %w", err)
		}
		u.st.Entries++
		if u.st.Entries > u.o.MaxEntries {
			return fmt.Errorf("%w: more than %d members", ErrLimit, u.o.MaxEntries)
		}
		if err := u.member(hdr, tr); err != nil {
			if cerr := u.ctx.Err(); cerr != nil {
				return cerr
			}
			return err
		}
	}
}

// clean turns a member name into a relative path without "." or ".."
// components; "" is the root itself. A leading "/" is dropped, as GNU tar
// and docker do; a ".." anywhere is refused.
func clean(name string) (string, error) {
	if len(name) > unix.PathMax {
		return "", errors.New("name longer than PATH_MAX")
	}
	if strings.IndexByte(name, 0) >= 0 {
		return "", errors.New("name holds a NUL byte")
	}
	var parts []string
	for _, c := range strings.Split(name, "/") {
		switch c {
		case "", ".":
		case "..":
			return "", errors.New("name climbs out of the destination (..)")
		default:
			parts = append(parts, c)
		}
	}
	return strings.Join(parts, "/"), nil
}

func (u *unpacker) member(hdr *tar.Header, r io.Reader) error {
	rel, err := clean(hdr.Name)
	if err != nil {
		return &Error{hdr.Name, err.Error()}
	}
	mode := uint32(hdr.Mode) & 0o7777
	if mode&(unix.S_ISUID|unix.S_ISGID) != 0 && !u.o.KeepSetuid && hdr.Typeflag != tar.TypeSymlink {
		mode &^= unix.S_ISUID | unix.S_ISGID
		u.st.Stripped++
	}
	switch hdr.Typeflag {
	case tar.TypeXGlobalHeader:
		u.st.Entries--
		return nil
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		// A device node is a door to the host's hardware; a FIFO hangs
		// whoever reads it. Neither belongs in a context or an export.
		u.st.Skipped++
		return nil
	case tar.TypeDir, tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse, tar.TypeSymlink, tar.TypeLink: //nolint:staticcheck // old archives
	default:
		u.st.Skipped++
		return nil
	}
	if rel == "" {
		if hdr.Typeflag != tar.TypeDir {
			return &Error{hdr.Name, "names the destination itself but is not a directory"}
		}
		u.rootMode = mode
		return nil
	}
	dir, base := filepath.Split(rel)
	pfd, err := u.openDir(strings.TrimSuffix(dir, "/"), true)
	if err != nil {
		return &Error{hdr.Name, err.Error()}
	}
	if pfd != u.root {
		defer unix.Close(pfd)
	}
	if hdr.Typeflag == tar.TypeDir {
		return u.mkdir(pfd, base, rel, mode, hdr)
	}
	if err := u.clear(pfd, base); err != nil {
		return &Error{hdr.Name, err.Error()}
	}
	switch hdr.Typeflag {
	case tar.TypeSymlink:
		if len(hdr.Linkname) >= unix.PathMax {
			return &Error{hdr.Name, "link target longer than PATH_MAX"}
		}
		// Written as is: nothing here ever follows it.
		if err := unix.Symlinkat(hdr.Linkname, pfd, base); err != nil {
			return &Error{hdr.Name, "creating the symlink: " + errText(err)}
		}
	case tar.TypeLink:
		if err := u.link(pfd, base, hdr.Linkname); err != nil {
			return &Error{hdr.Name, err.Error()}
		}
		return nil // the times and mode are the target's
	default:
		if err := u.file(pfd, base, mode, hdr, r); err != nil {
			var le *limitError
			if errors.As(err, &le) {
				return fmt.Errorf("%w: regular files larger than %d bytes in all", ErrLimit, u.o.MaxBytes)
			}
			if cerr := u.ctx.Err(); cerr != nil {
				return cerr
			}
			return &Error{hdr.Name, err.Error()}
		}
	}
	return setTimes(pfd, base, hdr)
}

func (u *unpacker) mkdir(pfd int, base, rel string, mode uint32, hdr *tar.Header) error {
	err := unix.Mkdirat(pfd, base, 0o700)
	if errors.Is(err, unix.EEXIST) {
		var st unix.Stat_t
		if err = unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR {
			// A file or symlink earlier in the archive: a later member
			// replaces it, as tar does.
			if err = unix.Unlinkat(pfd, base, 0); err == nil {
				err = unix.Mkdirat(pfd, base, 0o700)
			}
		}
	}
	if err != nil {
		return &Error{hdr.Name, "creating the directory: " + errText(err)}
	}
	u.dirs = append(u.dirs, dirMeta{rel: rel, mode: mode, hdr: hdr})
	return nil
}

// clear removes what an earlier member left under the name, unless it is
// a directory: tar replaces a file, not a tree.
func (u *unpacker) clear(pfd int, base string) error {
	err := unix.Unlinkat(pfd, base, 0)
	switch {
	case err == nil, errors.Is(err, unix.ENOENT):
		return nil
	case errors.Is(err, unix.EISDIR):
		return errors.New("would replace a directory")
	default:
		return errors.New("replacing an earlier member: " + errText(err))
	}
}

func (u *unpacker) file(pfd int, base string, mode uint32, hdr *tar.Header, r io.Reader) error {
	if hdr.Size < 0 || hdr.Size > u.o.MaxBytes-u.st.Bytes {
		return &limitError{}
	}
	fd, err := unix.Openat(pfd, base, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return errors.New("creating the file: " + errText(err))
	}
	f := os.NewFile(uintptr(fd), base)
	defer f.Close()
	n, err := io.Copy(f, r)
	u.st.Bytes += n
	if err != nil {
		return fmt.Errorf("writing the file: %w", err)
	}
	if err := f.Chmod(os.FileMode(mode&0o777) | modeBits(mode)); err != nil {
		return errors.New("setting the mode: " + errText(err))
	}
	return f.Close()
}

// link joins base to a regular file written earlier from the archive. The
// tree is private and fresh, so whatever resolves beneath it without a
// symlink was written by this unpacking.
func (u *unpacker) link(pfd int, base, target string) error {
	rel, err := clean(target)
	if err != nil || rel == "" {
		return errors.New("hard link target is not a member of the archive")
	}
	tdir, tbase := filepath.Split(rel)
	tfd, err := u.openDir(strings.TrimSuffix(tdir, "/"), false)
	if err != nil {
		return errors.New("hard link target is not a member of the archive")
	}
	if tfd != u.root {
		defer unix.Close(tfd)
	}
	var st unix.Stat_t
	if err := unix.Fstatat(tfd, tbase, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return errors.New("hard link target is not a regular file earlier in the archive")
	}
	// flags 0: linkat does not follow a symlink at the source.
	if err := unix.Linkat(tfd, tbase, pfd, base, 0); err != nil {
		return errors.New("creating the hard link: " + errText(err))
	}
	return nil
}

// finish applies the directories' modes and times, deepest first, and the
// root's mode.
func (u *unpacker) finish() error {
	sort.SliceStable(u.dirs, func(i, j int) bool {
		return strings.Count(u.dirs[i].rel, "/") > strings.Count(u.dirs[j].rel, "/")
	})
	for _, d := range u.dirs {
		fd, err := u.openDir(d.rel, false)
		if err != nil {
			return &Error{d.hdr.Name, err.Error()}
		}
		err = unix.Fchmod(fd, d.mode)
		if err == nil {
			err = setTimes(fd, "", d.hdr)
		}
		unix.Close(fd)
		if err != nil {
			return &Error{d.hdr.Name, "setting the directory's mode: " + errText(err)}
		}
	}
	if err := unix.Fchmod(u.root, u.rootMode); err != nil {
		return fmt.Errorf("setting the tree's mode: %w", err)
	}
	return nil
}

// modeBits carries the setuid, setgid and sticky bits of a tar mode into
// an os.FileMode.
func modeBits(mode uint32) os.FileMode {
	var m os.FileMode
	if mode&unix.S_ISUID != 0 {
		m |= os.ModeSetuid
	}
	if mode&unix.S_ISGID != 0 {
		m |= os.ModeSetgid
	}
	if mode&unix.S_ISVTX != 0 {
		m |= os.ModeSticky
	}
	return m
}

func setTimes(dirfd int, base string, hdr *tar.Header) error {
	if hdr.ModTime.IsZero() {
		return nil
	}
	mt := unix.NsecToTimespec(hdr.ModTime.UnixNano())
	at := mt
	if !hdr.AccessTime.IsZero() {
		at = unix.NsecToTimespec(hdr.AccessTime.UnixNano())
	}
	ts := []unix.Timespec{at, mt}
	if base == "" {
		return unix.UtimesNanoAt(dirfd, "", ts, unix.AT_EMPTY_PATH)
	}
	return unix.UtimesNanoAt(dirfd, base, ts, unix.AT_SYMLINK_NOFOLLOW)
}

// limitError: the files' bytes would pass MaxBytes.
type limitError struct{}

func (*limitError) Error() string { return "size limit" }

// errText is a syscall error's text, without the path an *os.PathError
// would add (the member already names it).
func errText(err error) string {
	var errno unix.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	return err.Error()
}
