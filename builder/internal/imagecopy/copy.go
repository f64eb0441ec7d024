// Package imagecopy owns the one way hush copies an image between
// references it made or pulled for its own use (stage cache, format
// conversion, outputs). It sits below publish, ociconv and stagecache so
// each can copy without importing the others; it imports nothing of hush.
package imagecopy

import (
	"context"
	"io"

	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"
)

// Copy copies an image hush built or pulls for its cache; there is no
// signature to check on it, so the policy accepts anything. It returns the
// manifest written.
func Copy(ctx context.Context, dest, src types.ImageReference, sys *types.SystemContext, report io.Writer) ([]byte, error) {
	policy, err := signature.NewPolicyContext(&signature.Policy{
		Default: signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()},
	})
	if err != nil {
		return nil, err
	}
	defer func() { _ = policy.Destroy() }()
	return copy.Image(ctx, policy, dest, src, &copy.Options{
		SourceCtx:      sys,
		DestinationCtx: sys,
		ReportWriter:   report,
	})
}
