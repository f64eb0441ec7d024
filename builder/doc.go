// Package builder is hush's library: it builds a Dockerfile into an image
// with buildah, delivers build secrets without letting them reach a
// committed layer, and writes the image to local containers-storage and the
// requested outputs.
//
// Other programs call [Build] directly; the hush command is a thin layer
// over it. Callers that may run as an unprivileged user must start their
// main() with buildah.InitReexec() and unshare.MaybeReexecUsingUserNamespace,
// as cmd/hush does, because storage and RUN need a user namespace.
//
// This package holds the public API (Options, Build, Result, the errors,
// Prune) and the build's story: prepare, secret delivery and redaction
// of the build's own output, then the subsystems in turn, each a package under builder/internal that
// never imports this one (the module's depcheck test says so):
//
//	stagecache  the stage and registry caches; runs buildah through a Runner
//	cmode       container isolation: Run(ctx, store, Job), Sweep
//	guard       the commit guard, prescan and verdicts: Run(ctx, store, Request)
//	publish     the output types: Check before the build, Publish after the guard
//	recovery    the journal and the sweep behind Prune
//	rundir      tmpfs run directories, owner tags, the process's TMPDIR
//	storestate  the store snapshot, image-name rules, layer chains, tag names
//	unpack      writing out untrusted archives beneath a directory
//	leftover    the journal of a build's temporaries outside its tmpfs directory
//	logsink     the process-wide library log, redacted with live builds' secrets
//	dockerflags docker's build options translated into buildah's
//	ctrdir      the build's own containers' directories, kept in its tmpfs directory
//	cachelog    what the build log says about the registry cache
//	index       the multi-platform OCI index and its attachments (libimage/manifests)
//
// Isolation modes and their detection live in internal/isolation, shared
// with doctor and the CLI, as --platform's lists, the one-build-per-platform
// runner and binfmt_misc's emulators live in internal/platforms;
// internal/localstore opens the store for the
// builder and audit alike.
package builder
