package main

import (
	"fmt"
	"os"
	"os/signal"
	"os/user"
	"strconv"
	"strings"
	"syscall"

	"github.com/hushbuild/hush/doctor"
	"github.com/hushbuild/hush/internal/isolation"

	"github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/buildah"
	"go.podman.io/storage/pkg/unshare"
)

// noStorage lists the subcommands that never open containers-storage; they
// skip the user-namespace re-exec so they work where it would fail.
var noStorage = map[string]bool{"help": true, "version": true, "doctor": true, "completion": true, "--help": true, "-h": true}

// reexecChild runs buildah's re-exec entry points (it reports true in a
// child that has done its work) and, for an unprivileged user, re-executes
// hush inside a user namespace with the subordinate id ranges mapped.
func reexecChild() bool {
	if buildah.InitReexec() {
		return true
	}
	if len(os.Args) == 3 && os.Args[1] == doctor.ProbeArg {
		if err := doctor.MountOverlay(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return true
	}
	if len(os.Args) < 2 || noStorage[os.Args[1]] {
		return false
	}
	if os.Geteuid() != 0 && isolation.NoUserNS(isolationArg(os.Args[2:])) {
		// Restricted isolation: no user namespace to enter, none needed.
		return false
	}
	if os.Geteuid() != 0 {
		// Where no user namespace can be made, nothing can work: say
		// what to change in one line (storage's re-exec would print
		// three that do not).
		if err := isolation.UserNSError(); err != nil {
			fmt.Fprintf(os.Stderr, "hush: %v\n", err)
			os.Exit(exitUsage)
		}
		if !hasSubIDs() {
			// A container's user (no /etc/passwd or /etc/subuid entry):
			// newuidmap cannot help; map our ids alone. Storage then
			// ignores chown errors (builder/store.go).
			one := func(id int) []specs.LinuxIDMapping {
				return []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(id), Size: 1}}
			}
			reexecInUserNS(one(os.Getuid()), one(os.Getgid()), false)
		}
		unshare.MaybeReexecUsingUserNamespace(false)
		return false
	}
	if os.Args[1] == "build" && isolation.RootNeedsUserNS(isolationArg(os.Args[2:])) {
		reexecRootInUserNS()
	}
	return false
}

// isolationArg finds --isolation's value before the command line is
// parsed: root's re-exec must happen before anything else runs.
func isolationArg(args []string) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		if v, ok := strings.CutPrefix(a, "--isolation="); ok {
			return v
		}
		if a == "--isolation" && i+1 < len(args) {
			return args[i+1]
		}
	}
	return "auto"
}

// reexecRootInUserNS re-executes hush as root in a new user namespace that
// maps every id to itself: root in a container without CAP_SYS_ADMIN (or
// whose seccomp profile refuses mount) gets the capabilities chroot
// isolation needs there. It never returns.
func reexecRootInUserNS() {
	all := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 0, Size: 4294967295}}
	reexecInUserNS(all, all, true)
}

// hasSubIDs reports whether /etc/subuid has a range for this user, so
// that newuidmap can map more than one id.
func hasSubIDs() bool {
	b, err := os.ReadFile("/etc/subuid")
	if err != nil {
		return false
	}
	names := map[string]bool{strconv.Itoa(os.Getuid()): true}
	if u, err := user.Current(); err == nil {
		names[u.Username] = true
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.SplitN(line, ":", 2); len(f) == 2 && names[f[0]] {
			return true
		}
	}
	return false
}

// reexecInUserNS re-executes hush in a new user and mount namespace with
// the given mappings, written directly (the caller may), and exits with
// its status.
func reexecInUserNS(uidmap, gidmap []specs.LinuxIDMapping, setgroups bool) {
	cmd := unshare.Command(append([]string{os.Args[0] + "-in-a-user-namespace"}, os.Args[1:]...)...)
	if err := os.Setenv(unshare.UsernsEnvName, "1"); err != nil {
		fmt.Fprintf(os.Stderr, "hush: %v\n", err)
		os.Exit(exitFailed)
	}
	cmd.UnshareFlags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS
	cmd.UidMappings, cmd.GidMappings = uidmap, gidmap
	cmd.GidMappingsEnableSetgroups = setgroups
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	sigs := make(chan os.Signal, 8)
	cmd.Hook = func(int) error {
		go func() {
			for s := range sigs {
				_ = cmd.Cmd.Process.Signal(s)
			}
		}()
		return nil
	}
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	if cmd.Cmd.SysProcAttr == nil {
		cmd.Cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.Cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	unshare.ExecRunnable(cmd, nil)
}
