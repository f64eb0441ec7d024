package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestProgressJSONTypes: each line becomes one event; steps and warnings
// get their own type so a CI log parser can pick them out.
func TestProgressJSONTypes(t *testing.T) {
	var buf bytes.Buffer
	w, done := progressWriter("json", &buf)
	for _, s := range []string{
		"[1/2] STEP 1/3: FROM localhost/busybox\n",
		"STEP 2/3: RUN true\n",
		"hush: warning: --cache-from reg.example/c: connection refused; building without its cache\n",
		"warning: cleaning up after earlier killed builds: x\n",
		"--> Using cache 0123\nno newline",
	} {
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	done()
	var types []string
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var ev event
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		types = append(types, ev.Type)
	}
	if got, want := strings.Join(types, ","), "step,step,warning,warning,log,log"; got != want {
		t.Errorf("event types %s, want %s", got, want)
	}
}
