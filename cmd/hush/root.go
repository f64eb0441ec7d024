package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hushbuild/hush/builder"
)

// Exit codes, documented in the README.
const (
	exitOK     = 0
	exitFailed = 1                 // the build (or audit) ran and failed, or audit found secrets
	exitUsage  = 2                 // bad flags or input, nothing was attempted
	exitGuard  = builder.ExitGuard // the commit guard refused an image holding a secret
)

// usageError marks errors in the user's input, mapped to exitUsage.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitCoder lets library errors choose their exit code (the guard does).
type exitCoder interface{ ExitCode() int }

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
		newPruneCommand(),
		newVersionCommand(),
	)
	return root
}

// run executes the CLI and maps errors to exit codes: one line on stderr.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCommand(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
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
	fmt.Fprintf(stderr, "hush: %s\n", strings.Join(strings.Fields(err.Error()), " "))
	var ec exitCoder
	var ue usageError
	var step *exec.ExitError
	switch {
	case errors.As(err, &step):
		// A RUN step's (or a helper's) exit status also answers
		// ExitCode(); it must not become hush's, or a step that exits 3
		// would read as the guard's refusal.
		return exitFailed
	case errors.As(err, &ec):
		return ec.ExitCode()
	case errors.As(err, &ue), errors.Is(err, builder.ErrInvalidOptions), isCobraUsage(err):
		return exitUsage
	default:
		return exitFailed
	}
}
