// Package builder is hush's library: it builds a Dockerfile into an image
// with buildah, delivers build secrets without letting them reach a
// committed layer, and writes the image to local containers-storage and the
// requested outputs.
//
// Other programs call [Build] directly; the hush command is a thin layer
// over it. Callers that may run as an unprivileged user must start their
// main() with buildah.InitReexec() and unshare.MaybeReexecUsingUserNamespace,
// as cmd/hush does, because storage and RUN need a user namespace.
package builder
