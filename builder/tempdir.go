package builder

import "github.com/hushbuild/hush/builder/internal/rundir"

// SetupTempDir points this process's TMPDIR at a private directory on
// tmpfs, once per process, and returns it; later calls return the same
// directory (or error). Build calls it before its first build with
// secrets; a program that reads TMPDIR itself, or starts builds
// concurrently, calls it once before starting any (why TMPDIR is process
// state: builder/internal/rundir's tempdir.go).
func SetupTempDir() (string, error) { return rundir.SetupTempDir() }

// RemoveTempDir removes this process's tmpfs directory (the TMPDIR
// SetupTempDir made, and what builds left), if a build or SetupTempDir made
// it; call it as the process ends, when no build is running. TMPDIR is
// left as is.
func RemoveTempDir() { rundir.RemoveTempDir() }
