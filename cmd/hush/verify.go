package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"go.podman.io/image/v5/types"

	"github.com/hushbuild/hush/verify"
)

type verifyOptions struct {
	authFile  string
	tlsVerify bool
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
2 the image could not be read or the input is bad.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), args[0], cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.authFile, "authfile", "", "registry credentials file (default: $REGISTRY_AUTH_FILE, containers' auth.json, then $DOCKER_CONFIG/config.json or ~/.docker/config.json)")
	f.BoolVar(&o.tlsVerify, "tls-verify", true, "verify registry TLS certificates; false also allows plain HTTP")
	return cmd
}

func (o *verifyOptions) run(ctx context.Context, image string, stdout io.Writer) error {
	sys := &types.SystemContext{AuthFilePath: authFile(o.authFile)}
	if !o.tlsVerify {
		sys.DockerInsecureSkipTLSVerify = types.OptionalBoolTrue
		sys.OCIInsecureSkipTLSVerify = true
	}
	rep, err := verify.Verify(ctx, verify.Options{Image: image, Sys: sys})
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
