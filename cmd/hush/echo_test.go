package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestStepEcho(t *testing.T) {
	long := "STEP 2/2: RUN echo " + strings.Repeat("a", 1<<20) + "\n"
	in := "STEP 1/2: FROM scratch\n" + "[1/2] STEP 1/3: COPY x /\n" + long +
		"Step output " + strings.Repeat("b", 2000) + "\n" + "[not an echo]\n" + "no newline at end"
	// Whatever the chunking (the redactor re-chunks), the output is the same.
	for _, chunk := range []int{1, 7, 100, len(in)} {
		var out bytes.Buffer
		e := newStepEcho(&out)
		for i := 0; i < len(in); i += chunk {
			if _, err := e.Write([]byte(in[i:min(i+chunk, len(in))])); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.Flush(); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(out.String(), "\n")
		if len(lines) != 6 {
			t.Fatalf("chunk %d: %d lines, want 6", chunk, len(lines))
		}
		if lines[0] != "STEP 1/2: FROM scratch" || lines[1] != "[1/2] STEP 1/3: COPY x /" {
			t.Errorf("chunk %d: short echoes changed: %q %q", chunk, lines[0], lines[1])
		}
		if want := long[:maxEcho] + fmt.Sprintf(" ... (%d bytes cut)", len(long)-1-maxEcho); lines[2] != want {
			t.Errorf("chunk %d: long echo = %d bytes ending %q, want %d", chunk, len(lines[2]), lines[2][max(0, len(lines[2])-30):], len(want))
		}
		if len(lines[3]) != len("Step output ")+2000 || lines[4] != "[not an echo]" || lines[5] != "no newline at end" {
			t.Errorf("chunk %d: a step's own output changed", chunk)
		}
	}
}
