package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"runtime/trace"
)

// profile starts the CPU profile and the execution trace that
// docs/performance.md reads, when HUSH_CPUPROFILE or HUSH_TRACE name a
// file. They are for measuring hush, not documented flags; with neither set
// this costs two getenv calls. It runs after the rootless re-exec, in the
// process that does the work. The returned func stops and flushes them.
func profile(stderr io.Writer) func() {
	var stops []func()
	if path := os.Getenv("HUSH_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err != nil {
			fmt.Fprintf(stderr, "hush: HUSH_CPUPROFILE: %v\n", err)
		} else if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "hush: HUSH_CPUPROFILE: %v\n", err)
			f.Close()
		} else {
			stops = append(stops, func() { pprof.StopCPUProfile(); f.Close() })
		}
	}
	if path := os.Getenv("HUSH_TRACE"); path != "" {
		if f, err := os.Create(path); err != nil {
			fmt.Fprintf(stderr, "hush: HUSH_TRACE: %v\n", err)
		} else if err := trace.Start(f); err != nil {
			fmt.Fprintf(stderr, "hush: HUSH_TRACE: %v\n", err)
			f.Close()
		} else {
			stops = append(stops, func() { trace.Stop(); f.Close() })
		}
	}
	return func() {
		for _, s := range stops {
			s()
		}
	}
}
