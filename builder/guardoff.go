//go:build hush_bench_noguard

package builder

import "os"

// benchGuardOff lets bench/guard.sh time a build without the guard, in a
// binary built with -tags hush_bench_noguard for that benchmark alone and
// never shipped: HUSH_BENCH_DISABLE_GUARD=1 turns the guard off there.
func benchGuardOff() bool { return os.Getenv("HUSH_BENCH_DISABLE_GUARD") == "1" }
