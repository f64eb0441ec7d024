// Package attest owns a build's attestations: the in-toto statements
// (SLSA provenance v1, the guard's own attestation) about one image
// manifest, and the attestation manifest that carries them, laid out as
// BuildKit lays out its own (docs/attestations.md), so the tools that read
// BuildKit's attestations read hush's. Every blob it makes passes the
// caller's check (the guard's pattern set) before it is returned.
//
// It takes a small Request of plain values and returns bytes: it must not
// import builder, the guard, the caches, container mode, recovery or
// publish, nor containers-storage or buildah.
package attest
