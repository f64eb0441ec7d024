package builder

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.podman.io/storage/pkg/unshare"
	"golang.org/x/sys/unix"
)

// A build's private directory lives on tmpfs. buildah writes a RUN step's
// secret copies and its OCI bundle (config.json, which holds env= secrets)
// under TMPDIR, so pointing TMPDIR here keeps every secret byte in memory:
// a crash or a power cut leaves nothing on persistent disk.
//
// Layout: <base>/hush-<uid>/<pid>-<start>/ where <start> is the process's
// start time in clock ticks, so a reused pid is never mistaken for a live
// build when sweeping.

// tmpfsBase returns the directory holding every build directory of this
// user: $HUSH_TMPFS, else $XDG_RUNTIME_DIR, else /dev/shm, the first that is
// a tmpfs.
func tmpfsBase() (string, error) {
	var tried []string
	for _, d := range []string{os.Getenv("HUSH_TMPFS"), os.Getenv("XDG_RUNTIME_DIR"), "/dev/shm"} {
		if d == "" {
			continue
		}
		if isTmpfs(d) {
			// The real uid: after the rootless re-exec, os.Getuid() is 0
			// inside the user namespace, and /dev/shm is shared with root.
			return filepath.Join(d, fmt.Sprintf("hush-%d", unshare.GetRootlessUID())), nil
		}
		tried = append(tried, d)
	}
	return "", fmt.Errorf("no tmpfs to hold secrets (tried %s): set HUSH_TMPFS to a tmpfs directory", strings.Join(tried, ", "))
}

func isTmpfs(dir string) bool {
	var st unix.Statfs_t
	return unix.Statfs(dir, &st) == nil && st.Type == unix.TMPFS_MAGIC
}

// ensurePrivateDir creates dir 0700, or checks that an existing one is a
// real directory owned by us and closed to others (it sits in a shared,
// world-writable place like /dev/shm).
func ensurePrivateDir(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR || int(st.Uid) != os.Getuid() || st.Mode&0o077 != 0 {
		return fmt.Errorf("%s is not a private directory owned by uid %d", dir, os.Getuid())
	}
	return nil
}

// procStat reads a process's state (field 3 of /proc/PID/stat) and start
// time (field 22).
func procStat(pid int) (state byte, start string, ok bool) {
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

// ownerTag is this process's <pid>-<start>, used for its build directory
// and as the suffix of its build containers' names.
func ownerTag() string {
	pid := os.Getpid()
	_, start, _ := procStat(pid)
	return strconv.Itoa(pid) + "-" + start
}

// ownerAlive reports whether the process a tag names is still running.
func ownerAlive(tag string) bool {
	pidStr, start, ok := strings.Cut(tag, "-")
	if !ok {
		return false
	}
	pid, err := strconv.Atoi(pidStr)
	if err != nil {
		return false
	}
	// A zombie (exited, not yet reaped by its parent) or dying process
	// keeps its pid and start time in /proc but holds nothing: its build is
	// as dead as a reaped one's.
	state, got, ok := procStat(pid)
	return ok && got == start && state != 'Z' && state != 'X'
}
