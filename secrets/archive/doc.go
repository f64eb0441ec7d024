// Package archive scans a layer (an uncompressed tar stream) or one file for
// the patterns of a pattern.Set: names, link targets, PAX records and file
// content. Every file's bytes are scanned as they are, and every archive or
// compressed stream whose signature sits anywhere in them is opened there
// (carve.go): tar, zip (held, or walked by its local headers), gzip, bzip2,
// zstd, xz, zlib (at a file's start), ar (.deb), cpio (newc, crc, odc),
// rpm, and git packfiles with their deltas applied. It fails closed: a
// recognised stream that cannot be decoded, and every budget (nesting,
// memory, decompressed bytes, sparse holes) that runs out, make the scan
// incomplete (ErrIncomplete) with the place named. A Finding names its
// place with every pattern occurrence redacted.
//
// It owns the walk over containers and the decoders of their formats; it
// must not import the builder, audit or anything that runs a build: the
// guard and audit call it, not the other way round.
package archive
