package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/hushbuild/hush/builder"
)

// newRootCommand builds the whole command tree with no package state, so
// tests can run the CLI in-process.
func newRootCommand(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "hush",
		Short:         "Rootless, daemonless container image builds whose secrets never leak",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newAuditCommand(),
		newBuildCommand(),
		newDoctorCommand(),
		newManifestCommand(),
		newPruneCommand(),
		newVersionCommand(),
		newVerifyCommand(),
	)
	markUsage(root)
	return root
}

// run executes the CLI and maps errors to exit codes: one line on stderr.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCommand(stdin, stdout, stderr)
	err := execute(ctx, root, args)
	if err == nil {
		return exitOK
	}
	// The guard's report: one line per finding, then the one-line error.
	var ge *builder.GuardError
	if errors.As(err, &ge) {
		for _, f := range ge.Findings {
			fmt.Fprintf(stderr, "hush: guard: %s\n", f)
		}
	}
	// One line, whatever the library's error spans.
	fmt.Fprintf(stderr, "hush: %s\n", describe(err))
	return exitCode(err)
}
