// Package audit proves that a container image holds no secret, or says
// where one is: in a file visible at runtime, in a lower layer where a later
// layer only hid it (a whiteout, an opaque directory, an overwrite: the
// seeds' OverlayFS finding, invisible to `docker run` yet in every pull), or
// in the metadata (`docker history`, `docker inspect`).
//
// It reads any containers/image transport (local containers-storage by
// default, oci:, oci-archive:, docker-archive:, docker://, dir:), streams
// every layer once, in parallel, and matches in one pass both the known
// values of --secret (the commit guard's pattern set from package secrets,
// with fragments, encodings and nested archives) and heuristics that need no
// value (credential files, private keys, credential-like ARG/ENV/LABEL).
//
// It is independent of the builder: an image built by docker, kaniko or
// BuildKit is audited the same way. A Finding never carries a value, and
// every string in a Report (paths, instructions, fields) is redacted of
// known and heuristic values before it is stored.
package audit
