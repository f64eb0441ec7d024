package main

import (
	"github.com/spf13/cobra"

	"github.com/hushbuild/hush/builder"
)

// storageFlags is the --root/--runroot/--storage-driver group, shared by
// every command that opens containers-storage.
type storageFlags struct{ root, runRoot, driver string }

func (s *storageFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&s.root, "root", "", "containers-storage root (default: storage.conf's, as podman)")
	f.StringVar(&s.runRoot, "runroot", "", "containers-storage run root (default: storage.conf's)")
	f.StringVar(&s.driver, "storage-driver", "", "storage driver, e.g. overlay or vfs (default: storage.conf's)")
}

func (s *storageFlags) options() builder.StorageOptions {
	return builder.StorageOptions{Root: s.root, RunRoot: s.runRoot, Driver: s.driver}
}
