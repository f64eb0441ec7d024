// Package heuristic finds credentials nobody named: credential files, private
// keys in any file, credential-looking names and values in image metadata.
// It is audit's; the commit guard matches known values only.
package heuristic
