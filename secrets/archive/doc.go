// Package archive scans a layer (an uncompressed tar stream) or one file for
// the patterns of a pattern.Set: names, link targets, PAX records and file
// content, opening nested tar, gzip, bzip2, zstd, xz, zlib, git pack and zip
// content by its magic bytes (a zip too big to hold, or without a
// directory, walked by its local headers, data descriptors included; an
// archive behind a shebang or an executable found by its signature), within
// bounds on nesting, memory and decompressed bytes. A Finding names its
// place with every pattern occurrence redacted.
package archive
