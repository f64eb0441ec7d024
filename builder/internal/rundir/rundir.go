// Package rundir owns where a build's secret-bearing files live on tmpfs:
// the user's private base directory (and its squat-proof alternative), the
// process's directory named by its owner tag (<pid>-<start>), each build's
// directory, the process's TMPDIR, and telling a live owner from a dead
// one. The layout is described below.
//
// It must not import builder or any other hush package: the builder,
// container mode, recovery and the caches all build on it.
package rundir

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"go.podman.io/storage/pkg/unshare"
	"golang.org/x/sys/unix"
)

// Every secret byte a build hands buildah lives on tmpfs, so a crash or a
// power cut leaves nothing on persistent disk. The layout, under a base
// directory private to the user (see tmpfsBase):
//
//	<base>/<pid>-<start>/                the process's directory, named by its owner tag
//	<base>/<pid>-<start>/tmp/            the process's TMPDIR (tempdir.go): buildah's RUN
//	                                     bundles (config.json holds env= secrets) and its
//	                                     commit staging
//	<base>/<pid>-<start>/build-<nonce>/  one build, removed by that build: its journal
//	                                     (journal.go), the secret values (secrets/) and
//	                                     buildah's container directories (containers/<id>/,
//	                                     buildstore.go), where a RUN step's secret copies go
//
// <start> is the process's start time in clock ticks, so a reused pid is
// never mistaken for a live build when sweeping. Only the process's
// directory sits at the top, named as before builds had their own: a sweep
// (of this or an older hush) removes the whole of it once the process is
// dead, and leaves it alone while it lives.

// BuildDirPrefix starts the name of each build's directory.
const BuildDirPrefix = "build-"

// TmpfsParent returns the tmpfs directory that holds every base: the
// first of $HUSH_TMPFS, $XDG_RUNTIME_DIR and /dev/shm that is a tmpfs.
func TmpfsParent() (string, error) {
	var tried []string
	for _, d := range []string{os.Getenv("HUSH_TMPFS"), os.Getenv("XDG_RUNTIME_DIR"), "/dev/shm"} {
		if d == "" {
			continue
		}
		if IsTmpfs(d) {
			return d, nil
		}
		tried = append(tried, d)
	}
	return "", fmt.Errorf("no tmpfs to hold secrets (tried %s): set HUSH_TMPFS to a tmpfs directory", strings.Join(tried, ", "))
}

// TmpfsBase returns the directory holding every build directory of this
// user, creating it if need be.
func TmpfsBase() (string, error) {
	base, _, err := TmpfsBaseNote()
	return base, err
}

// TmpfsBaseNote is tmpfsBase plus, when the usual name was taken by
// someone else, a one-line note saying so and what was used instead.
//
// The base is <parent>/hush-<uid>. In a shared, world-writable parent such
// as /dev/shm another user can create that name first; the directory is
// then theirs, and neither usable nor removable by us (sticky bit). hush
// then uses <parent>/hush-<uid>.<random>, made with O_EXCL semantics by
// MkdirTemp, so it cannot be squatted; every process of the user picks the
// first such directory it owns, so they all (and their sweeps) agree.
func TmpfsBaseNote() (base, note string, err error) {
	parent, err := TmpfsParent()
	if err != nil {
		return "", "", err
	}
	// The real uid: after the rootless re-exec, os.Getuid() is 0 inside
	// the user namespace, and /dev/shm is shared with root.
	name := fmt.Sprintf("hush-%d", unshare.GetRootlessUID())
	usual := filepath.Join(parent, name)
	err = EnsurePrivateDir(usual)
	if err == nil {
		return usual, "", nil
	}
	var se *squatError
	if !errors.As(err, &se) {
		return "", "", err
	}
	alt, err := ownAlternate(parent, name)
	if err != nil {
		return "", "", fmt.Errorf("%v, and no alternative: %w", se, err)
	}
	return alt, fmt.Sprintf("%v: using %s instead", se, alt), nil
}

// ownAlternate returns the first <parent>/<name>.* directory this user
// owns, making one if there is none.
func ownAlternate(parent, name string) (string, error) {
	if d := firstOwned(parent, name); d != "" {
		return d, nil
	}
	made, err := os.MkdirTemp(parent, name+".")
	if err != nil {
		return "", err
	}
	// Two processes may have made one each at once: both keep the first.
	first := firstOwned(parent, name)
	if first != made {
		_ = os.Remove(made)
	}
	if first == "" {
		return "", fmt.Errorf("%s vanished", made)
	}
	return first, nil
}

// firstOwned returns the first <parent>/<name>.<digits> directory this
// user owns. Only MkdirTemp's digits: hush's own <base>.verdicts and
// <base>.blobinfo (and an alternate's) sit beside it and must never be
// taken for a base, whose sweep would remove them as dead builds.
func firstOwned(parent, name string) string {
	matches, _ := filepath.Glob(filepath.Join(parent, name+".*"))
	sort.Strings(matches)
	for _, m := range matches {
		if !isDigits(strings.TrimPrefix(filepath.Base(m), name+".")) {
			continue
		}
		if checkPrivateDir(m) == nil {
			return m
		}
	}
	return ""
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

func IsTmpfs(dir string) bool {
	var st unix.Statfs_t
	return unix.Statfs(dir, &st) == nil && st.Type == unix.TMPFS_MAGIC
}

// squatError: a directory hush needs exists and is not ours to use.
type squatError struct {
	path  string
	uid   uint32
	isDir bool
}

func (e *squatError) Error() string {
	if !e.isDir {
		return fmt.Sprintf("%s is not a directory (another user may have made it)", e.path)
	}
	return fmt.Sprintf("%s belongs to another user (uid %d as seen here)", e.path, e.uid)
}

// EnsurePrivateDir creates dir 0700, or checks that an existing one is a
// real directory owned by us and closed to others (it sits in a shared,
// world-writable place like /dev/shm).
func EnsurePrivateDir(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return checkPrivateDir(dir)
}

func checkPrivateDir(dir string) error {
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR || int(st.Uid) != os.Getuid() {
		return &squatError{path: dir, uid: st.Uid, isDir: st.Mode&unix.S_IFMT == unix.S_IFDIR}
	}
	if st.Mode&0o077 != 0 {
		return fmt.Errorf("%s is open to other users (mode %04o): make it 0700 or remove it", dir, st.Mode&0o7777)
	}
	return nil
}

// ProcStat reads a process's state (field 3 of /proc/PID/stat) and start
// time (field 22).
func ProcStat(pid int) (state byte, start string, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, "", false
	}
	// The command name (field 2) may hold spaces; fields resume after ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, "", false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0, "", false
	}
	return f[0][0], f[19], true
}

// OwnerTag is this process's <pid>-<start>: the name of its directory and
// the start of its builds' container name suffixes.
func OwnerTag() string {
	pid := os.Getpid()
	_, start, _ := ProcStat(pid)
	return strconv.Itoa(pid) + "-" + start
}

// Nonce tells one build of a process from another.
func Nonce() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ProcessDir returns this process's directory, creating it (and the base)
// if need be, with tmpfsBaseNote's note.
func ProcessDir() (dir, note string, err error) {
	base, note, err := TmpfsBaseNote()
	if err != nil {
		return "", "", err
	}
	dir = filepath.Join(base, OwnerTag())
	if err := EnsurePrivateDir(dir); err != nil {
		return "", "", err
	}
	madeProcessDir.Store(dir)
	return dir, note, nil
}

// madeProcessDir holds the process directory once processDir made it, for
// RemoveTempDir.
var madeProcessDir atomic.Value

// BuildDirs returns the directories that may hold a build's journal under
// a process's directory: each build-<nonce>, and the process directory
// itself, where an older hush wrote its one build's journal.
func BuildDirs(procDir string) []string {
	dirs, _ := filepath.Glob(filepath.Join(procDir, BuildDirPrefix+"*"))
	return append([]string{procDir}, dirs...)
}

// OwnerAlive reports whether the process a name's owner tag names is still
// running; the name may go on after the tag (a container name suffix's
// -<nonce>).
func OwnerAlive(name string) bool {
	f := strings.SplitN(name, "-", 3)
	if len(f) < 2 {
		return false
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil {
		return false
	}
	// A zombie (exited, not yet reaped by its parent) or dying process
	// keeps its pid and start time in /proc but holds nothing: its build is
	// as dead as a reaped one's.
	state, got, ok := ProcStat(pid)
	return ok && got == f[1] && state != 'Z' && state != 'X'
}
