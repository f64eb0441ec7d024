// Package doctor holds the host checks behind `hush doctor`: everything a
// rootless build needs from the machine, each with the fix for a failure.
//
// The checks read files and run probes; they never open containers-storage
// for writing, so doctor works where a build would fail.
package doctor

import (
	"fmt"
	"io"
)

// Status of one check.
type Status string

// Statuses, from best to worst.
const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "FAIL"
)

// Check is one finding about the host.
type Check struct {
	Name   string
	Status Status
	Detail string
	// Fix says what to do when Status is not OK.
	Fix string
}

// Report is the result of Run.
type Report struct {
	Rootless bool
	Checks   []Check
}

// Failed reports whether any check failed.
func (r Report) Failed() bool {
	for _, c := range r.Checks {
		if c.Status == Fail {
			return true
		}
	}
	return false
}

// Write prints the report, one line per check and its fix beneath.
func (r Report) Write(w io.Writer) error {
	mode := "root"
	if r.Rootless {
		mode = "rootless"
	}
	if _, err := fmt.Fprintf(w, "hush doctor (%s)\n", mode); err != nil {
		return err
	}
	for _, c := range r.Checks {
		if _, err := fmt.Fprintf(w, "%-4s  %-16s %s\n", c.Status, c.Name, c.Detail); err != nil {
			return err
		}
		if c.Status != OK && c.Fix != "" {
			if _, err := fmt.Fprintf(w, "      %-16s fix: %s\n", "", c.Fix); err != nil {
				return err
			}
		}
	}
	return nil
}
