package doctor

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"regexp"
	"strconv"
	"strings"

	"github.com/hushbuild/hush/internal/isolation"
	"go.podman.io/storage"
	"golang.org/x/sys/unix"
)

// Run performs every check. probe, when not nil, tests overlay inside a
// user namespace (it re-executes the calling binary; see ProbeOverlay).
func Run(probe func() error) Report {
	r := Report{Rootless: os.Geteuid() != 0}
	r.Checks = append(r.Checks, runtimeCheck())
	if r.Rootless {
		r.Checks = append(r.Checks, idmapTools(), subids("/etc/subuid"), subids("/etc/subgid"), runtimeDir())
	}
	r.Checks = append(r.Checks, userns(), storageCheck(), rlimits())
	if r.Rootless && probe != nil && isolation.ProbeUserNS() == nil {
		r.Checks = append(r.Checks, overlayCheck(probe))
	}
	r.Checks = append(r.Checks, isolationChecks()...)
	if d := isolation.Detect(); r.Rootless && d.Err == nil && d.Mode == isolation.Chroot {
		// Chroot isolation (no runc) builds without these (one id
		// mapped, a tmpfs and run root found elsewhere), as in a
		// container run with --user (tests/container_test.go, set-up c):
		// doctor must not fail there. runc needs XDG_RUNTIME_DIR.
		for i, c := range r.Checks {
			if c.Status == Fail && (c.Name == "subuid" || c.Name == "subgid" || c.Name == "XDG_RUNTIME_DIR") {
				r.Checks[i].Status = Warn
				r.Checks[i].Detail += " (builds still work: " + softened[c.Name] + ")"
			}
		}
	}
	if d := isolation.Detect(); r.Rootless && d.Err == nil && d.Mode == isolation.Restricted {
		// Restricted isolation needs neither id maps nor a user
		// namespace (tests/container_test.go, set-ups e and f).
		for i, c := range r.Checks {
			if c.Status == Fail && (c.Name == "subuid" || c.Name == "subgid" || c.Name == "XDG_RUNTIME_DIR" || c.Name == "user namespaces") {
				r.Checks[i].Status = Warn
				r.Checks[i].Detail += " (restricted isolation needs none)"
			}
		}
	}
	return r
}

var softened = map[string]string{
	"subuid":          "hush maps your uid alone, and files of other owners in images become yours",
	"subgid":          "hush maps your gid alone",
	"XDG_RUNTIME_DIR": "secrets go to /dev/shm, storage's run root under $TMPDIR",
}

var versionRE = regexp.MustCompile(`(\d+)\.(\d+)(?:\.(\d+))?`)

func version(bin string) (major, minor int, text string) {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return 0, 0, ""
	}
	first := strings.SplitN(string(out), "\n", 2)[0]
	m := versionRE.FindStringSubmatch(first)
	if m == nil {
		return 0, 0, first
	}
	major, _ = strconv.Atoi(m[1])
	minor, _ = strconv.Atoi(m[2])
	return major, minor, m[0]
}

// runtimeCheck mirrors builder's choice: runc first, crun only if new
// enough for runtime-spec 1.3 (crun 1.8 says "unknown version specified").
func runtimeCheck() Check {
	c := Check{Name: "oci runtime"}
	if p, err := exec.LookPath("runc"); err == nil {
		_, _, v := version(p)
		c.Status, c.Detail = OK, fmt.Sprintf("runc %s (%s)", v, p)
		return c
	}
	if p, err := exec.LookPath("crun"); err == nil {
		maj, min, v := version(p)
		if maj > 1 || maj == 1 && min >= 9 {
			c.Status, c.Detail = OK, fmt.Sprintf("crun %s (%s)", v, p)
			return c
		}
		c.Status, c.Detail = Fail, fmt.Sprintf("crun %s is too old for runtime-spec 1.3 and runc is missing", v)
		c.Fix = "apt-get install runc"
		return c
	}
	c.Status, c.Detail, c.Fix = Fail, "neither runc nor crun found", "apt-get install runc"
	return c
}

func idmapTools() Check {
	c := Check{Name: "newuidmap"}
	var missing []string
	for _, b := range []string{"newuidmap", "newgidmap"} {
		p, err := exec.LookPath(b)
		if err != nil {
			missing = append(missing, b)
			continue
		}
		var st unix.Stat_t
		if unix.Stat(p, &st) == nil && st.Mode&unix.S_ISUID == 0 && !hasFileCaps(p) {
			missing = append(missing, b+" (not setuid)")
		}
	}
	if len(missing) > 0 {
		c.Status, c.Detail, c.Fix = Fail, "missing: "+strings.Join(missing, ", "), "apt-get install uidmap"
		return c
	}
	c.Status, c.Detail = OK, "newuidmap and newgidmap installed"
	return c
}

func hasFileCaps(path string) bool {
	sz, err := unix.Getxattr(path, "security.capability", nil)
	return err == nil && sz > 0
}

// subids checks that the user owns a range of at least 65536 subordinate
// ids, enough for images whose files belong to uid 65534 (nobody).
func subids(file string) Check {
	c := Check{Name: strings.TrimPrefix(file, "/etc/")}
	u, err := user.Current()
	if err != nil {
		c.Status, c.Detail = Fail, err.Error()
		return c
	}
	f, err := os.Open(file)
	if err != nil {
		c.Status, c.Detail = Fail, fmt.Sprintf("cannot read %s", file)
		c.Fix = fmt.Sprintf("as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s", u.Username)
		return c
	}
	defer f.Close()
	total := 0
	s := bufio.NewScanner(f)
	for s.Scan() {
		parts := strings.Split(strings.TrimSpace(s.Text()), ":")
		if len(parts) == 3 && (parts[0] == u.Username || parts[0] == u.Uid) {
			n, _ := strconv.Atoi(parts[2])
			total += n
		}
	}
	fix := fmt.Sprintf("as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s", u.Username)
	switch {
	case total == 0:
		c.Status, c.Detail, c.Fix = Fail, fmt.Sprintf("no range for %s in %s", u.Username, file), fix
	case total < 65536:
		c.Status, c.Detail, c.Fix = Warn, fmt.Sprintf("%d ids for %s (65536 recommended)", total, u.Username), fix
	default:
		c.Status, c.Detail = OK, fmt.Sprintf("%d ids for %s", total, u.Username)
	}
	return c
}

func runtimeDir() Check {
	c := Check{Name: "XDG_RUNTIME_DIR"}
	d := os.Getenv("XDG_RUNTIME_DIR")
	fix := fmt.Sprintf("log in through a session manager (systemd-logind), or: mkdir -m 0700 /run/user/%d && chown %d /run/user/%d, then export XDG_RUNTIME_DIR=/run/user/%d", os.Getuid(), os.Getuid(), os.Getuid(), os.Getuid())
	if d == "" {
		c.Status, c.Detail, c.Fix = Fail, "not set", fix
		return c
	}
	var st unix.Stat_t
	if err := unix.Stat(d, &st); err != nil || int(st.Uid) != os.Getuid() {
		c.Status, c.Detail, c.Fix = Fail, d+" is missing or not yours", fix
		return c
	}
	c.Status, c.Detail = OK, d
	return c
}

func userns() Check {
	c := Check{Name: "user namespaces"}
	b, err := os.ReadFile("/proc/sys/user/max_user_namespaces")
	if err == nil && strings.TrimSpace(string(b)) == "0" {
		c.Status, c.Detail, c.Fix = Fail, "user.max_user_namespaces is 0", "sysctl -w user.max_user_namespaces=15000"
		return c
	}
	if b, err := os.ReadFile("/proc/sys/kernel/unprivileged_userns_clone"); err == nil && strings.TrimSpace(string(b)) == "0" && os.Geteuid() != 0 {
		c.Status, c.Detail, c.Fix = Fail, "kernel.unprivileged_userns_clone is 0", "sysctl -w kernel.unprivileged_userns_clone=1"
		return c
	}
	// The sysctls allow it; a seccomp profile (a container's) may not.
	if err := isolation.ProbeUserNS(); err != nil {
		c.Status, c.Detail = Warn, "cannot create one: "+err.Error()
		c.Fix = "allow unshare(CLONE_NEWUSER): docker run --security-opt seccomp=unconfined, Kubernetes seccompProfile Unconfined"
		if os.Geteuid() != 0 {
			c.Status = Fail
		}
		return c
	}
	c.Status, c.Detail = OK, "enabled (created one)"
	return c
}

func storageCheck() Check {
	c := Check{Name: "storage"}
	opts, err := storage.DefaultStoreOptions()
	if err != nil {
		c.Status, c.Detail, c.Fix = Fail, err.Error(), "check storage.conf (containers-storage.conf(5))"
		return c
	}
	driver := opts.GraphDriverName
	if driver == "" {
		driver = "overlay (default)"
	}
	dir := opts.GraphRoot
	for dir != "/" {
		if _, err := os.Stat(dir); err == nil {
			break
		}
		dir = dirOf(dir)
	}
	if unix.Access(dir, unix.W_OK) != nil {
		c.Status, c.Detail = Fail, fmt.Sprintf("driver %s, root %s is not writable", driver, opts.GraphRoot)
		c.Fix = "use --root DIR with a directory you own, or fix the permissions"
		return c
	}
	c.Status, c.Detail = OK, fmt.Sprintf("driver %s, root %s", driver, opts.GraphRoot)
	if note := isolation.StorageDriverNote(opts.GraphRoot, opts.GraphDriverName); note != "" {
		c.Detail = fmt.Sprintf("driver %s, root %s", note, opts.GraphRoot)
	}
	return c
}

func dirOf(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

func rlimits() Check {
	c := Check{Name: "rlimits", Status: OK}
	var nofile, nproc unix.Rlimit
	_ = unix.Getrlimit(unix.RLIMIT_NOFILE, &nofile)
	_ = unix.Getrlimit(unix.RLIMIT_NPROC, &nproc)
	c.Detail = fmt.Sprintf("nofile hard %d, nproc hard %d (RUN steps get these; hush clamps to them)", nofile.Max, nproc.Max)
	return c
}

func overlayCheck(probe func() error) Check {
	c := Check{Name: "overlay (userns)"}
	if err := probe(); err != nil {
		c.Status, c.Detail = Warn, "overlay cannot be mounted in a user namespace: "+err.Error()
		c.Fix = "use a kernel >= 5.11, or --storage-driver vfs (slower), or install fuse-overlayfs"
		return c
	}
	c.Status, c.Detail = OK, "mounts in a user namespace"
	return c
}
