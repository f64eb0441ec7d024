// Package stepshm gives a RUN step under chroot isolation a /dev/shm of
// its own. buildah's chroot isolation binds the host's /dev, /dev/shm with
// it, and skips any mount the step's spec asks for under /dev/, so a step
// would see every build's tmpfs directory (hush keeps each build's values
// in /dev/shm/hush-<uid>/ when no $XDG_RUNTIME_DIR or $HUSH_TMPFS is a
// tmpfs) and, run as root, every other user's. The runtimes buildah drives
// for its other isolations give the container a fresh /dev/shm; this does
// the same for chroot, in buildah's chroot helper process, after buildah
// bound /dev under the step's root and before it enters that root.
//
// It runs before buildah's own re-exec code in main, in a process that
// holds the step's spec, so it imports nothing but the standard library
// and x/sys: never builder, buildah, storage or the CLI.
package stepshm

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// chrootExec is the name buildah's chroot isolation re-executes its own
// binary (hush) under to enter the step's root: buildah/chroot's
// runUsingChrootExecCommand. It reads its configuration from fd 3.
const chrootExec = "buildah-chroot-exec"

// confFD is where buildah hands the chroot helper its configuration.
const confFD = 3

// Options is the private /dev/shm's, as buildah's other isolations (and
// Docker) mount it: 64 MiB, world-writable and sticky, no devices, no
// set-id, no executables.
const (
	options = "mode=1777,size=65536k"
	flags   = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
)

// IsChrootHelper reports whether this process is buildah's chroot helper.
func IsChrootHelper() bool { return len(os.Args) > 0 && os.Args[0] == chrootExec }

// Private mounts a fresh tmpfs over /dev/shm under the step's root. It
// reads the helper's configuration from fd 3 to find that root and puts
// the same bytes back on fd 3 (a new pipe) for buildah to read.
// An error means the step must not run: its /dev/shm would be the host's.
func Private() error {
	conf, err := readAll(confFD)
	if err != nil {
		return fmt.Errorf("reading the chroot helper's configuration: %w", err)
	}
	var c struct {
		Spec *struct {
			Root *struct {
				Path string `json:"path"`
			} `json:"root"`
		}
	}
	if err := json.Unmarshal(conf, &c); err != nil || c.Spec == nil || c.Spec.Root == nil || c.Spec.Root.Path == "" {
		clear(conf)
		return fmt.Errorf("the chroot helper's configuration names no root")
	}
	// conf holds the step's environment (arg= and env= secrets): putBack's
	// writer wipes it once the pipe has it.
	if err := putBack(conf, confFD); err != nil {
		clear(conf)
		return err
	}
	root := filepath.Clean(c.Spec.Root.Path)
	return mountOver(filepath.Join(root, "dev", "shm"))
}

// mountOver mounts the private tmpfs on dir, which must be a directory (not
// a symlink: /dev under the root is the host's, bound read-only).
func mountOver(dir string) error {
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		if os.IsNotExist(err) {
			return nil // a host with no /dev/shm has none to hide
		}
		return fmt.Errorf("private /dev/shm for the step: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("private /dev/shm for the step: %s is not a directory", dir)
	}
	if err := unix.Mount("shm", dir, "tmpfs", flags, options); err != nil {
		return fmt.Errorf("private /dev/shm for the step: mounting a tmpfs on %s: %w", dir, err)
	}
	// Nothing mounted under it later may reach the namespace it came from.
	if err := unix.Mount("", dir, "", unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("private /dev/shm for the step: %w", err)
	}
	return nil
}

// readAll reads fd to its end, with no *os.File whose finalizer would
// later close whatever fd then holds that number.
func readAll(fd int) ([]byte, error) {
	var out []byte
	buf := make([]byte, 32<<10)
	for {
		n, err := unix.Read(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			clear(buf)
			return out, nil
		}
		out = append(out, buf[:n]...)
	}
}

// putBack replaces fd (3) with the read end of a new close-on-exec pipe
// that delivers conf, as buildah's own pipe did: once buildah has read
// it, the pipe holds nothing for a step to find through /proc.
func putBack(conf []byte, fd int) error {
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("chroot helper configuration: %w", err)
	}
	defer r.Close()
	if err := unix.Dup3(int(r.Fd()), fd, unix.O_CLOEXEC); err != nil {
		w.Close()
		return fmt.Errorf("chroot helper configuration: %w", err)
	}
	go func() {
		_, _ = w.Write(conf)
		clear(conf) // before Close: the reader's end of file comes after
		w.Close()
	}()
	return nil
}
