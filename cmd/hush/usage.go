package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hushbuild/hush/builder"
)

// Exit codes, documented in the README; chosen here, from the errors' types
// (exitCode), and nowhere else.
const (
	exitOK     = 0
	exitFailed = 1 // the build (or audit) ran and failed, or audit found secrets
	exitUsage  = 2 // bad flags or input, nothing was attempted
	exitGuard  = 3 // the commit guard refused an image holding a secret
)

// usageError marks errors in the user's input that the CLI itself finds:
// flag parsing, argument counts, flag values it converts.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitCoder lets the CLI's own error types (audit's) choose their code.
type exitCoder interface{ ExitCode() int }

// exitCode maps an error to the process's exit code, by type: never by its
// text (EINVAL's "invalid argument" is not a usage error).
func exitCode(err error) int {
	var ge *builder.GuardError
	var oe *builder.OptionError
	var ue usageError
	var se *builder.StepError
	var ie *builder.ImageError
	var ec exitCoder
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ge):
		return exitGuard
	case errors.As(err, &ue), errors.As(err, &oe):
		return exitUsage
	case errors.As(err, &se), errors.As(err, &ie):
		// A RUN step's exit status is not hush's: a step that exits 3
		// must not read as the guard's refusal.
		return exitFailed
	case errors.As(err, &ec):
		return ec.ExitCode()
	default:
		return exitFailed
	}
}

// flagFor names the `hush build` flag that sets an Options field, for
// messages: the library names fields, the user typed flags.
var flagFor = map[string]string{
	"ContextDir":     "build context",
	"ContextArchive": "build context (stdin)",
	"Dockerfile":     "--file",
	"Tags":           "--tag",
	"BuildArgs":      "--build-arg",
	"Labels":         "--label",
	"Platform":       "--platform",
	"Network":        "--network",
	"Secrets":        "--secret",
	"SSH":            "--ssh",
	"Outputs":        "--output",
	"Runtime":        "--runtime",
	"Isolation":      "--isolation",
	"Format":         "--format",

	// docs/attestations.md
	"Attestations.Provenance": "--provenance",
	"Attestations.SBOM":       "--sbom",
}

// describe is err's one-line message, an Options field shown as its flag.
func describe(err error) string {
	msg := err.Error()
	var oe *builder.OptionError
	if errors.As(err, &oe) && oe.Field != "" {
		if flag, ok := flagFor[oe.Field]; ok {
			msg = strings.Replace(msg, oe.Error(), flag+": "+oe.Err.Error(), 1)
		}
	}
	return oneLine(strings.Join(strings.Fields(msg), " "))
}

// markUsage types cobra's own errors, which carry none: flag parsing
// (every subcommand inherits the root's FlagErrorFunc) and argument
// counts. An unknown subcommand is execute's (root.Find).
func markUsage(root *cobra.Command) {
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	for _, c := range root.Commands() {
		if check := c.Args; check != nil {
			c.Args = func(cmd *cobra.Command, args []string) error {
				if err := check(cmd, args); err != nil {
					return usageError{err}
				}
				return nil
			}
		}
	}
}

// execute runs the command tree; the one error cobra's Find returns is an
// unknown subcommand, a usage error.
func execute(ctx context.Context, root *cobra.Command, args []string) error {
	if _, _, err := root.Find(args); err != nil {
		return usageError{err}
	}
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}
