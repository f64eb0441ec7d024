package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hushbuild/hush/builder"
)

func newPruneCommand() *cobra.Command {
	var storage storageFlags
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Remove what killed hush builds left behind (running steps, build containers, unvouched images and layers, tmpfs copies)",
		Long: `Remove what killed hush builds left behind: RUN steps still running, build
containers with everything their steps wrote (secret copies included), the
images and layers they committed that the guard never vouched for, and their
tmpfs directories (with every copy of a layer made while committing), the
contexts they unpacked from stdin and their partial outputs. Every hush build does this first; prune does it now.
Builds of live hush processes are never touched.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := builder.Prune(cmd.Context(), storage.options())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %d containers, %d unvouched images, %d orphan layers, %d unrecorded layer directories, %d running steps, %d tmpfs directories and %d unpacked contexts or partial outputs of dead builds\n", s.Containers, s.Images, s.Layers, s.LayerDirs, s.Processes, s.Dirs, s.Temps)
			return nil
		},
	}
	storage.register(cmd)
	return cmd
}
