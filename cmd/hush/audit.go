package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/hushbuild/hush/audit"
	"github.com/hushbuild/hush/secrets"
	"github.com/hushbuild/hush/secrets/pattern"
)

// auditOptions are `hush audit`'s flags.
type auditOptions struct {
	secrets          []string
	format, authFile string
	heuristics       bool
	tlsVerify        bool
	jobs             int
	storage          storageFlags
}

func newAuditCommand() *cobra.Command {
	o := &auditOptions{}
	cmd := &cobra.Command{
		Use:   "audit [flags] IMAGE...",
		Short: "Prove that images hold no secret, or show where one is (runtime, hidden in a layer, metadata)",
		Long: `Audit images for secrets: known values given with --secret (as hush build
takes them: whole, fragments, encodings, inside nested archives) and, with no
value needed, credential files (.npmrc, pip.conf, .netrc, .git-credentials,
.docker/config.json, .aws/credentials, .kube/config ...), private keys and
credential-like ARG/ENV/LABEL values in the history and config.

Each finding is runtime (in the final filesystem), hidden (in a layer, deleted
or overwritten by a later one: invisible to docker run, present in every pull)
or metadata (a config or manifest field). Values are never printed.

IMAGE is any containers/image reference; with no transport prefix it names an
image in local containers-storage (podman's, buildah's and hush's):
  app, localhost/app:1, IMAGE-ID, containers-storage:app
  oci:DIR[:TAG]  oci-archive:FILE[:TAG]  docker-archive:FILE.tar  dir:DIR
  docker://REGISTRY/REPO:TAG   (with --authfile, --tls-verify)

Exit status: 0 no finding, 1 findings, 2 an image could not be audited or the
input is bad.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.secrets, "secret", nil, "a known value to look for: id=ID,src=PATH | id=ID,env=VAR (repeatable)")
	f.StringVar(&o.format, "format", audit.FormatTable, "output: "+strings.Join(audit.Formats, ", "))
	f.BoolVar(&o.heuristics, "heuristics", true, "also look for credentials with no known value (credential files, private keys, ARG/ENV/LABEL)")
	f.StringVar(&o.authFile, "authfile", "", "registry credentials file (default: $REGISTRY_AUTH_FILE, containers' auth.json, then $DOCKER_CONFIG/config.json or ~/.docker/config.json)")
	f.BoolVar(&o.tlsVerify, "tls-verify", true, "verify registry TLS certificates; false also allows plain HTTP")
	f.IntVarP(&o.jobs, "jobs", "j", 0, "layers read at once (default: the number of CPUs)")
	o.storage.register(cmd)
	return cmd
}

// run converts flags to audit.Options in one place, makes one call, and
// writes the report to stdout.
func (o *auditOptions) run(ctx context.Context, images []string, stdout, stderr io.Writer) error {
	opts, err := o.toOptions(images, stderr)
	if err != nil {
		return usageError{err}
	}
	rep, err := audit.Audit(ctx, opts)
	if rep != nil {
		for _, id := range rep.Skipped {
			fmt.Fprintf(stderr, "hush: warning: secret %q is too short to search for (under %d bytes)\n", id, pattern.MinValue)
		}
		if werr := audit.Write(stdout, rep, o.format, version); werr != nil {
			return werr
		}
	}
	if err != nil {
		var ec exitCoder
		if !errors.As(err, &ec) {
			err = couldNotAudit{err}
		}
		return err
	}
	if n := rep.Findings(); n > 0 {
		return findingsError{rep}
	}
	return nil
}

func (o *auditOptions) toOptions(images []string, stderr io.Writer) (audit.Options, error) {
	opts := audit.Options{
		Images: images, NoHeuristics: !o.heuristics, AuthFile: authFile(o.authFile),
		InsecureSkipTLSVerify: !o.tlsVerify, Workers: o.jobs,
		StorageRoot: o.storage.root, StorageRunRoot: o.storage.runRoot, StorageDriver: o.storage.driver,
	}
	if !isOneOf(o.format, audit.Formats) {
		return opts, fmt.Errorf("--format %q: want %s", o.format, strings.Join(audit.Formats, ", "))
	}
	if o.jobs < 0 {
		return opts, fmt.Errorf("--jobs %d: want 0 (the number of CPUs) or more", o.jobs)
	}
	for _, s := range o.secrets {
		sp, err := secrets.ParseSpec(s)
		if err != nil {
			return opts, err
		}
		sec, err := sp.Load()
		if err != nil {
			return opts, err
		}
		opts.Secrets = append(opts.Secrets, sec)
	}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		opts.Progress = stderr
	}
	return opts, nil
}

func isOneOf(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// findingsError makes `hush audit` exit 1 with a one-line summary.
type findingsError struct{ rep *audit.Report }

func (e findingsError) Error() string {
	var rt, hd, md, imgs int
	for _, im := range e.rep.Images {
		rt += im.Count(audit.Runtime)
		hd += im.Count(audit.Hidden)
		md += im.Count(audit.Metadata)
		if len(im.Findings) > 0 {
			imgs++
		}
	}
	return fmt.Sprintf("audit: %d finding(s) in %d of %d image(s): %d runtime, %d hidden, %d metadata",
		rt+hd+md, imgs, len(e.rep.Images), rt, hd, md)
}

func (findingsError) ExitCode() int { return exitFailed }

// couldNotAudit gives exit code 2 to an audit that stopped (interrupted).
type couldNotAudit struct{ error }

func (e couldNotAudit) Unwrap() error { return e.error }
func (couldNotAudit) ExitCode() int   { return exitUsage }
