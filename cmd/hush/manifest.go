package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hushbuild/hush/builder"
)

// manifestFlags are the registry and storage flags `hush manifest`'s
// subcommands share.
type manifestFlags struct {
	storage   storageFlags
	tlsVerify bool
	authFile  string
}

func (m *manifestFlags) register(cmd *cobra.Command) {
	m.storage.register(cmd)
	cmd.Flags().BoolVar(&m.tlsVerify, "tls-verify", true, "require HTTPS and verified certificates for registries")
	cmd.Flags().StringVar(&m.authFile, "authfile", "", "registry credentials file (default: as hush build)")
}

func (m *manifestFlags) options(cmd *cobra.Command) builder.ManifestOptions {
	o := builder.ManifestOptions{Storage: m.storage.options(), AuthFile: authFile(m.authFile), Report: cmd.ErrOrStderr()}
	if !m.tlsVerify {
		v := false
		o.TLSVerify = &v
	}
	return o
}

// args is cobra's check, typed as a usage error (markUsage reaches only
// the root's children).
func args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if err := check(cmd, a); err != nil {
			return usageError{err}
		}
		return nil
	}
}

func newManifestCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "manifest",
		Short: "Join per-platform images into one multi-platform index, push and inspect it",
		Long: `Join images built on separate machines (one per platform, e.g. a CI matrix
job per architecture) into one manifest list / OCI index, as docker buildx
imagetools create does: only manifests and configs are read, no layer is pulled.`,
	}
	cmd.AddCommand(newManifestCreateCommand(), newManifestPushCommand(), newManifestInspectCommand())
	return cmd
}

func newManifestCreateCommand() *cobra.Command {
	var m manifestFlags
	var noPush bool
	cmd := &cobra.Command{
		Use:   "create [flags] TARGET IMAGE...",
		Short: "Join pushed images (REPO:TAG or REPO@DIGEST, one per platform) into an index and push it as TARGET",
		Long: `Join images already in a registry, one per platform, each by tag or digest,
into one index stored locally as TARGET and pushed to TARGET. Layers are not
pulled; in TARGET's own repository none is copied. The index digest is
printed on stdout.`,
		Args: args(cobra.MinimumNArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			d, err := builder.ManifestCreate(cmd.Context(), a[0], a[1:], !noPush, m.options(cmd))
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), d)
			return nil
		},
	}
	m.register(cmd)
	cmd.Flags().BoolVar(&noPush, "no-push", false, "only store the index locally (push it later with hush manifest push)")
	return cmd
}

func newManifestPushCommand() *cobra.Command {
	var m manifestFlags
	cmd := &cobra.Command{
		Use:   "push [flags] LIST [DESTINATION]",
		Short: "Push an index stored locally (a --platform build's tag, or manifest create's) with its images",
		Args:  args(cobra.RangeArgs(1, 2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			dest := ""
			if len(a) == 2 {
				dest = a[1]
			}
			d, err := builder.ManifestPush(cmd.Context(), a[0], dest, m.options(cmd))
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), d)
			return nil
		},
	}
	m.register(cmd)
	return cmd
}

func newManifestInspectCommand() *cobra.Command {
	var m manifestFlags
	cmd := &cobra.Command{
		Use:   "inspect [flags] REF",
		Short: "Print an index as JSON: the one stored locally by that name, else the registry's (docker://REF: always the registry's)",
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			raw, err := builder.ManifestInspect(cmd.Context(), a[0], m.options(cmd))
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), string(raw))
			return err
		},
	}
	m.register(cmd)
	return cmd
}
