// Package archive scans a layer (an uncompressed tar stream) or one file for
// the patterns of a pattern.Set: names, link targets, PAX records and file
// content, opening nested tar, gzip, bzip2, zstd and zip content by its
// magic bytes, within bounds on nesting, memory and decompressed bytes.
// A Finding names its place with every pattern occurrence redacted.
package archive
