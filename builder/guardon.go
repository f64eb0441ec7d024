//go:build !hush_bench_noguard

package builder

// benchGuardOff is false in every binary but the guard benchmark's
// (guardoff.go): the shipped binary and the library have no off switch.
func benchGuardOff() bool { return false }
