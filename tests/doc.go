// Package tests is hush's end-to-end suite. It drives the real hush binary,
// as root or as an unprivileged user (HUSH_E2E_USER), against real
// containers-storage, skopeo, a real registry process and docker, and walks
// every blob of every image it builds for the test's canary secret.
//
// It runs as root; scripts/e2e.sh (make test) prepares the machine and runs
// it in both modes. Environment: HUSH (the binary, default bin/hush),
// HUSH_E2E_USER (empty: root mode), HUSH_E2E_KEEP=1 (keep the work directory).
package tests
