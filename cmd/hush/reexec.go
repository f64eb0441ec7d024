package main

import (
	"fmt"
	"os"

	"github.com/hushbuild/hush/doctor"

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
	unshare.MaybeReexecUsingUserNamespace(false)
	return false
}
