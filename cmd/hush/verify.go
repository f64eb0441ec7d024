package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.podman.io/image/v5/types"

	"github.com/hushbuild/hush/verify"
)

type verifyOptions struct {
	authFile, listen string
	tlsVerify        bool
}

func newVerifyCommand() *cobra.Command {
	o := &verifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify [flags] IMAGE",
		Short: "Check an image against the guard attestation hush attached to it (a CI gate, an admission check)",
		Long: `Check, for every platform image of IMAGE's index, that an attestation
manifest refers to it, holds hush's guard statement about that very manifest,
and lists every layer of the image: each read by the guard and clean, or a
base image's layer below them (docs/attestations.md).

IMAGE is REGISTRY/REPO[:TAG|@DIGEST], docker://..., or oci:DIR[:TAG].

Exit status: 0 verified, 1 verification failed (one line per problem),
2 the image could not be read or the input is bad.

With --listen ADDR and no IMAGE, answer GET /verify?image=REF over HTTP
instead, for an admission controller: 200 {"verified": true|false, ...}
when checked, 503 when the image could not be read.`,
		Args: cobra.RangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.listen != "" {
				if len(args) != 0 {
					return usageError{fmt.Errorf("--listen takes no IMAGE: images come with each request")}
				}
				return o.serve(cmd.Context(), cmd.ErrOrStderr())
			}
			if len(args) != 1 {
				return usageError{fmt.Errorf("verify: IMAGE is required (or --listen ADDR)")}
			}
			return o.run(cmd.Context(), args[0], cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.authFile, "authfile", "", "registry credentials file (default: $REGISTRY_AUTH_FILE, containers' auth.json, then $DOCKER_CONFIG/config.json or ~/.docker/config.json)")
	f.BoolVar(&o.tlsVerify, "tls-verify", true, "verify registry TLS certificates; false also allows plain HTTP")
	f.StringVar(&o.listen, "listen", "", "serve GET /verify?image=REF on ADDR (host:port) instead of checking one IMAGE")
	return cmd
}

func (o *verifyOptions) sys() *types.SystemContext {
	sys := &types.SystemContext{AuthFilePath: authFile(o.authFile)}
	if !o.tlsVerify {
		sys.DockerInsecureSkipTLSVerify = types.OptionalBoolTrue
		sys.OCIInsecureSkipTLSVerify = true
	}
	return sys
}

// serve answers verify requests until the context ends (SIGTERM).
func (o *verifyOptions) serve(ctx context.Context, stderr io.Writer) error {
	srv := &http.Server{Addr: o.listen, Handler: verify.Handler(o.sys(), 2*time.Minute), ReadHeaderTimeout: 10 * time.Second}
	stop := context.AfterFunc(ctx, func() { _ = srv.Shutdown(context.Background()) })
	defer stop()
	fmt.Fprintf(stderr, "hush: verify: listening on %s\n", o.listen)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return cannotVerify{err}
	}
	return nil
}

func (o *verifyOptions) run(ctx context.Context, image string, stdout io.Writer) error {
	rep, err := verify.Verify(ctx, verify.Options{Image: image, Sys: o.sys()})
	if err != nil {
		return cannotVerify{err}
	}
	failed := 0
	for _, im := range rep.Images {
		name := strings.TrimSpace(im.Platform + " " + im.Digest)
		if len(im.Problems) == 0 {
			fmt.Fprintf(stdout, "ok %s: %d layer(s) scanned clean, %d base layer(s)\n", name, im.Scanned, im.Base)
			continue
		}
		failed++
		for _, p := range im.Problems {
			fmt.Fprintf(stdout, "FAIL %s: %s\n", name, p)
		}
	}
	if !rep.OK() {
		return verifyFailed{failed: failed, of: len(rep.Images)}
	}
	return nil
}

// verifyFailed: exit 1, the image did not pass.
type verifyFailed struct{ failed, of int }

func (e verifyFailed) Error() string {
	return fmt.Sprintf("verify: %d of %d image(s) failed verification", e.failed, e.of)
}
func (verifyFailed) ExitCode() int { return exitFailed }

// cannotVerify: exit 2, nothing could be checked.
type cannotVerify struct{ error }

func (e cannotVerify) Error() string { return "verify: cannot check: " + e.error.Error() }
func (e cannotVerify) Unwrap() error { return e.error }
func (cannotVerify) ExitCode() int   { return exitUsage }
