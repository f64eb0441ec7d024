package builder

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/hushbuild/hush/builder/internal/logsink"
	"github.com/hushbuild/hush/secrets"
	"github.com/hushbuild/hush/secrets/pattern"
)

// SetLogOutput sets where the process-wide log of the libraries under hush
// (storage, containers/image) goes, redacted with the secrets of every
// build running at the time; default: logrus's output when the first build
// starts (os.Stderr unless the program changed it). Call it before any
// build: it is process state, not a build's.
func SetLogOutput(w io.Writer) { logsink.SetOutput(w) }

// redact wraps w so every secret pattern is replaced before it is written;
// the redactor is flushed when the build ends. The same writer given twice
// (stdout and stderr are often one stream) gets one redactor, so a value
// split across the two cannot slip through between two buffers.
func (p *plan) redact(w io.Writer) io.Writer {
	if p.set == nil || p.set.Len() == 0 || w == io.Discard {
		return w
	}
	if r, ok := w.(*pattern.Redactor); ok {
		return r
	}
	if p.redactors == nil {
		p.redactors = map[io.Writer]*pattern.Redactor{}
	}
	if r, ok := p.redactors[w]; ok {
		return r
	}
	r := p.set.NewRedactor(w)
	p.redactors[w] = r
	p.undo = append(p.undo, func() { _ = r.Flush() })
	return r
}

// redactedError carries a library error whose text has had every secret
// pattern replaced; Unwrap keeps errors.Is and errors.As working.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redactErr(set *pattern.Set, err error) error {
	if err == nil || set == nil || set.Len() == 0 {
		return err
	}
	// A finding's place can hold the value itself: a label key or file
	// name made from it, history's "|1 API_TOKEN=..." prefix of the
	// instruction that made the layer. Callers print findings one by one.
	var ge *GuardError
	if errors.As(err, &ge) {
		for i := range ge.Findings {
			f := &ge.Findings[i]
			for _, s := range []*string{&f.Stage, &f.Instruction, &f.Path, &f.Field} {
				*s = set.RedactString(*s)
			}
		}
	}
	return &redactedError{msg: set.RedactString(err.Error()), err: err}
}

// credentialArgs turns credential-named build args (secrets.CredentialName,
// the rule audit uses too) into patterns, so their
// values are redacted from output and refused in history and config.
func credentialArgs(args map[string]string) []secrets.Secret {
	var out []secrets.Secret
	names := make([]string, 0, len(args))
	for k := range args {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if args[k] != "" && secrets.CredentialName(k) {
			out = append(out, secrets.New("build-arg:"+k, []byte(args[k])))
		}
	}
	return out
}

// checkInputs refuses, before anything runs, a --build-arg or a --tag that
// carries a secret: buildah records build args in the image's history, and
// a tag is written to storage, pushed to registries and to --metadata-file.
func (p *plan) checkInputs() error {
	// The --secret values only: a credential-named build arg's value is
	// the build arg itself.
	secretSet := pattern.NewSet(p.secrets.Loaded()...)
	if secretSet.Len() == 0 {
		return nil
	}
	names := make([]string, 0, len(p.buildArgs))
	for k := range p.buildArgs {
		names = append(names, k)
	}
	sort.Strings(names)
	var fs []Finding
	add := func(field string, value string) {
		for _, m := range secretSet.Find([]byte(value)) {
			fs = append(fs, Finding{Field: field, SecretID: m.SecretID, Fragment: m.Fragment, Encoding: m.Encoding})
		}
	}
	for _, k := range names {
		add("--build-arg "+k, p.buildArgs[k])
	}
	for i, t := range p.tags {
		add(fmt.Sprintf("--tag number %d", i+1), t) // the tag itself may be the secret
	}
	// A label is written to the image's config; checking it here spares
	// running every step to refuse the image at the end.
	for _, l := range p.opts.Labels {
		k, _, _ := strings.Cut(l, "=")
		add("--label "+secretSet.RedactString(k), l)
	}
	if len(fs) > 0 {
		return &GuardError{Findings: merge(fs), Before: true}
	}
	return nil
}

// guarded reports whether the guard runs: there is something to look for
// (and, in the guard benchmark's own binary only, its switch is not thrown:
// guardoff.go).
func (p *plan) guarded() bool {
	return p.set != nil && p.set.Len() > 0 && !benchGuardOff()
}
