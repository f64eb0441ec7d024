package builder

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/hushbuild/hush/audit"
)

// Errors Build returns, for callers that branch on what went wrong; the
// CLI maps them to its exit codes (cmd/hush). Every message names things
// (Options fields, paths, secret ids, image names), never a secret value.

// ErrInvalidOptions is matched (errors.Is) by every *OptionError.
var ErrInvalidOptions = errors.New("invalid build input")

// OptionError is a bad Options field, found before anything ran: nothing
// was built and nothing needs cleaning up.
type OptionError struct {
	// Field is the Options field at fault (as "Network", "Secrets"); ""
	// when the message names what is wrong itself.
	Field string
	Err   error
}

func (e *OptionError) Error() string {
	if e.Field == "" {
		return e.Err.Error()
	}
	return e.Field + ": " + e.Err.Error()
}

func (e *OptionError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrInvalidOptions) true.
func (e *OptionError) Is(target error) bool { return target == ErrInvalidOptions }

// badOption wraps err as field's OptionError (nil stays nil).
func badOption(field string, err error) error {
	if err == nil {
		return nil
	}
	var oe *OptionError
	if errors.As(err, &oe) {
		return err
	}
	return &OptionError{Field: field, Err: err}
}

// StepError is a build step that failed: a RUN command exited non-zero
// (its status is in the chain as an *exec.ExitError), or an instruction
// buildah could not carry out.
type StepError struct{ Err error }

func (e *StepError) Error() string { return e.Err.Error() }
func (e *StepError) Unwrap() error { return e.Err }

// ImageError is a built image that could not be read, exported, tagged
// or pushed, after the build and the guard passed; nothing was left under
// the requested names. The message names the operation and destination.
type ImageError struct {
	ImageID string
	Err     error
}

func (e *ImageError) Error() string { return e.Err.Error() }
func (e *ImageError) Unwrap() error { return e.Err }

// ExitGuard is the exit code hush uses when the commit guard refuses.
const ExitGuard = 3

// Finding is one place the guard found a secret: audit's Finding, the one
// type `hush audit` reports too, with Image and Stage set. It never holds
// the value.
type Finding = audit.Finding

// GuardError is returned when the build produced an image holding a secret.
// Nothing was tagged, exported or pushed, and the build's images and layers
// were removed.
type GuardError struct {
	Findings []Finding
	// Before is true when the build was refused before any step ran (a
	// build arg, label or tag carries a secret): nothing was built.
	Before bool
	// Incomplete is why the scan of a layer could not finish (it wraps
	// archive.ErrIncomplete): an image the guard could not read to the end
	// is refused, never passed.
	Incomplete error
}

func (e *GuardError) Error() string {
	if e.Incomplete != nil {
		return fmt.Sprintf("commit guard refused the image: %v (%d finding(s) before it stopped); nothing was tagged, pushed or written",
			e.Incomplete, len(e.Findings))
	}
	ids := map[string]bool{}
	for _, f := range e.Findings {
		ids[f.SecretID] = true
	}
	names := make([]string, 0, len(ids))
	for id := range ids {
		names = append(names, fmt.Sprintf("%q", id))
	}
	sort.Strings(names)
	if e.Before {
		return fmt.Sprintf("guard refused the build before it started: %d finding(s) of secret %s; nothing was built", len(e.Findings), strings.Join(names, ", "))
	}
	return fmt.Sprintf("commit guard refused the image: %d finding(s) of secret %s; nothing was tagged, pushed or written", len(e.Findings), strings.Join(names, ", "))
}

// ExitCode makes the CLI exit with ExitGuard.
func (e *GuardError) ExitCode() int { return ExitGuard }
