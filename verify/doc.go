// Package verify checks an image against the guard attestation hush
// attached to it (docs/attestations.md): for every platform image in the
// index, an attestation manifest refers to it, holds a guard statement
// whose subject is the image manifest's digest, and lists every layer of
// the image's config, each one read by the guard and clean, or a base
// image's layer below them. It reads through containers/image only (a
// registry or an OCI layout) and decodes the documented JSON itself: an
// independent reader of what builder/internal/attest writes.
//
// It must not import builder, buildah or containers-storage: what it
// checks is the published image, not a build.
package verify
