package isolation

/*
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

// The steps a probe child takes; it exits with the number of the step that
// failed (0: every step worked) and writes that step's errno to a pipe.
enum { P_USERNS = 1, P_MOUNTNS, P_TMPFS, P_BIND, P_PIDNS, P_PROC, P_LOST = 99 };

static int hush_writefile(const char *path, const char *s) {
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -1 : 0;
}

// hush_idmap writes "0 <id> 1\n" into buf without printf: the child of a
// multithreaded process may only make async-signal-safe calls.
static void hush_idmap(char *buf, unsigned id) {
	char tmp[12];
	int i = 0;
	do { tmp[i++] = '0' + id % 10; id /= 10; } while (id);
	char *p = buf;
	*p++ = '0'; *p++ = ' ';
	while (i) *p++ = tmp[--i];
	*p++ = ' '; *p++ = '1'; *p++ = '\n'; *p = 0;
}

static void hush_fail(int fd, int step) {
	int e = errno;
	(void)!write(fd, &e, sizeof e);
	_exit(step);
}

// hush_probe forks a child that tries, in order and each only if asked: a
// user namespace mapping our ids; a private mount namespace with a tmpfs
// mount and a recursive bind of /proc (what buildah's chroot isolation
// does); a pid namespace with a fresh proc mount (what runc does). dir is
// an existing directory to mount on (inside the child's namespace only).
// It returns 0 when every step worked, else step*1000+errno.
static int hush_probe(int userns, int mnt, int proc, const char *dir) {
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) return P_LOST * 1000 + errno;
	unsigned uid = geteuid(), gid = getegid();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pfd[0]); close(pfd[1]);
		return P_LOST * 1000 + e;
	}
	if (pid == 0) {
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		close(pfd[0]);
		char buf[32];
		if (userns) {
			if (unshare(CLONE_NEWUSER) < 0) hush_fail(pfd[1], P_USERNS);
			if (hush_writefile("/proc/self/setgroups", "deny") < 0 && errno != ENOENT) hush_fail(pfd[1], P_USERNS);
			hush_idmap(buf, uid);
			if (hush_writefile("/proc/self/uid_map", buf) < 0) hush_fail(pfd[1], P_USERNS);
			hush_idmap(buf, gid);
			if (hush_writefile("/proc/self/gid_map", buf) < 0) hush_fail(pfd[1], P_USERNS);
		}
		if (mnt || proc) {
			if (unshare(CLONE_NEWNS) < 0) hush_fail(pfd[1], P_MOUNTNS);
			if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) hush_fail(pfd[1], P_MOUNTNS);
		}
		if (mnt) {
			if (mount("tmpfs", dir, "tmpfs", 0, "size=64k") < 0) hush_fail(pfd[1], P_TMPFS);
			if (mount("/proc", dir, NULL, MS_BIND | MS_REC, NULL) < 0) hush_fail(pfd[1], P_BIND);
		}
		if (proc) {
			if (unshare(CLONE_NEWPID) < 0) hush_fail(pfd[1], P_PIDNS);
			pid_t c = fork();
			if (c < 0) hush_fail(pfd[1], P_PIDNS);
			if (c == 0) {
				if (mount("proc", dir, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) hush_fail(pfd[1], P_PROC);
				_exit(0);
			}
			int st;
			while (waitpid(c, &st, 0) < 0 && errno == EINTR) {}
			_exit(WIFEXITED(st) ? WEXITSTATUS(st) : P_LOST);
		}
		_exit(0);
	}
	close(pfd[1]);
	int e = 0, st = 0;
	while (read(pfd[0], &e, sizeof e) < 0 && errno == EINTR) {}
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) return P_LOST * 1000 + errno;
	}
	if (!WIFEXITED(st)) return P_LOST * 1000;
	return WEXITSTATUS(st) ? WEXITSTATUS(st) * 1000 + e : 0;
}
*/
import "C"

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// probeNS asks the kernel, in a forked child, for what isolation needs:
// a user namespace (userns), mounts in a private mount namespace (mnt: a
// tmpfs and a bind of /proc, as buildah's chroot isolation does) and a
// pid namespace with its own /proc (proc: as runc does). A fork costs a
// millisecond; re-executing hush would cost a hundred.
func probeNS(userns, mnt, proc bool) error {
	dir := "/tmp"
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		dir = "/"
	}
	cdir := C.CString(dir)
	defer C.free(unsafe.Pointer(cdir))
	r := int(C.hush_probe(cbool(userns), cbool(mnt), cbool(proc), cdir))
	if r == 0 {
		return nil
	}
	step, errno := r/1000, syscall.Errno(r%1000)
	what := map[int]string{
		1: "unshare(CLONE_NEWUSER)", 2: "unshare(CLONE_NEWNS)", 3: "mount -t tmpfs",
		4: "mount --rbind /proc", 5: "unshare(CLONE_NEWPID)", 6: "mount -t proc",
	}[step]
	if what == "" {
		what = "probe"
	}
	return fmt.Errorf("%s: %w", what, errno)
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// probeCgroup creates and removes a cgroup where runc would create one:
// under the v2 root, or under each v1 controller runc joins first.
func probeCgroup() error {
	name := fmt.Sprintf("hush-probe-%d", os.Getpid())
	var dirs []string
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err == nil {
		dirs = []string{"/sys/fs/cgroup"}
	} else {
		for _, c := range []string{"cpuset", "memory", "pids"} {
			if fi, err := os.Stat(filepath.Join("/sys/fs/cgroup", c)); err == nil && fi.IsDir() {
				dirs = append(dirs, filepath.Join("/sys/fs/cgroup", c))
			}
		}
		if len(dirs) == 0 {
			return fmt.Errorf("no cgroup hierarchy mounted at /sys/fs/cgroup")
		}
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if err := unix.Mkdir(p, 0o755); err != nil {
			return fmt.Errorf("mkdir %s: %w", p, err)
		}
		_ = unix.Rmdir(p)
	}
	return nil
}

// inContainer reports whether hush runs inside a container, and the sign
// it went by. Container mode rewrites /, so it needs one of these.
func inContainer() (bool, string) {
	for _, f := range []string{"/.dockerenv", "/run/.containerenv"} {
		if _, err := os.Stat(f); err == nil {
			return true, f + " exists"
		}
	}
	if v := os.Getenv("container"); v != "" {
		return true, "$container is " + v
	}
	if os.Getenv("KUBERNETES_SERVICE_HOST") != "" {
		return true, "$KUBERNETES_SERVICE_HOST is set"
	}
	if b, err := os.ReadFile("/proc/1/cgroup"); err == nil {
		for _, sign := range []string{"docker", "kubepods", "containerd", "libpod", "crio"} {
			if strings.Contains(string(b), sign) {
				return true, "/proc/1/cgroup names " + sign
			}
		}
	}
	return false, ""
}
