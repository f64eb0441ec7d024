// Command hush builds container images from Dockerfiles, rootless and without
// a daemon, and refuses to let a build secret reach the image or the logs.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/hushbuild/hush/builder"
	"github.com/hushbuild/hush/internal/stepshm"
)

func main() {
	// buildah's chroot helper for a RUN step: the step gets a /dev/shm of
	// its own before buildah's code enters its root (internal/stepshm).
	if stepshm.IsChrootHelper() {
		if err := stepshm.Private(); err != nil {
			fmt.Fprintf(os.Stderr, "hush: %v\n", err)
			os.Exit(1)
		}
	}
	// Commands that never touch storage run before the user-namespace
	// re-exec, so `hush doctor` can diagnose a machine where it fails.
	if reexecChild() {
		return
	}
	stopProfile := profile(os.Stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	stopProfile()
	// The tmpfs TMPDIR a build with secrets set up for this process
	// (builder/tempdir.go); a killed hush leaves it to the next sweep.
	builder.RemoveTempDir()
	os.Exit(code)
}
