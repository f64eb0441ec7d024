package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"go.podman.io/buildah/define"
)

// version is set with -ldflags "-X main.version=..." by the Makefile.
var version = "dev"

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print hush's version and the buildah library it is built on",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "hush %s (buildah %s)\n", version, define.Version)
			return nil
		},
	}
}
