package builder

import "errors"

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
