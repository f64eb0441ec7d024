package main

import (
	"strings"
	"testing"
)

func TestOneLine(t *testing.T) {
	dump := `copier.request{Request:"GET", Root:"/", Globs:[]string{"/link"}, X:"a}b\"{", S:copier.StatOptions{UIDMap:[]idtools.IDMap(nil)}}`
	tests := []struct{ in, want string }{
		{`reading "/c/link": error during bulk transfer for ` + dump + `: copier: get: lstat "/link": no such file or directory`,
			`reading "/c/link": error during bulk transfer: copier: get: lstat "/link": no such file or directory`},
		{`Build error: Unknown instruction: "FOO" &imagebuilder.Step{Env:[]string{"PATH=/bin"}, Original:"FOO bar"}`,
			`Build error: Unknown instruction: "FOO"`},
		{`open /x.y: no such file`, `open /x.y: no such file`},
	}
	for _, tt := range tests {
		if got := oneLine(tt.in); got != tt.want {
			t.Errorf("oneLine(%q)\n = %q\nwant %q", tt.in, got, tt.want)
		}
	}
	long := `building at STEP "RUN ` + strings.Repeat("é", 1<<20) + `": exit status 1`
	if got := oneLine(long); len(got) > maxErrorLine+16 || !strings.HasSuffix(got, "(cut)") {
		t.Errorf("a 1 MiB message is %d bytes, want it cut near %d", len(got), maxErrorLine)
	}
}
